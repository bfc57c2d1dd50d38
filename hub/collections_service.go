package hub

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CollectionService manages the admin-defined TAXII collections for every
// channel (the REST admin routes, the CLI). Callers check scope admin.
type CollectionService struct {
	store CollectionStore
	now   func() time.Time
}

// NewCollectionService returns the service over store (nil answers
// ErrUnavailable); now nil means time.Now.
func NewCollectionService(store CollectionStore, now func() time.Time) *CollectionService {
	if now == nil {
		now = time.Now
	}
	return &CollectionService{store: store, now: now}
}

// Create validates c, gives it a random id when it has none and its
// creation time, and stores it. An invalid definition is CodeBadRequest;
// a taken id or alias (the built-in collection's included) CodeConflict.
func (s *CollectionService) Create(ctx context.Context, c Collection) (Collection, error) {
	if s.store == nil {
		return Collection{}, fmt.Errorf("create collection: no store configured: %w", ErrUnavailable)
	}
	if c.ID == "" {
		id, err := NewCollectionID()
		if err != nil {
			return Collection{}, err
		}
		c.ID = id
	}
	c.Created = s.now().UTC().Truncate(time.Microsecond)
	if err := c.Validate(); err != nil {
		return Collection{}, &Error{Code: CodeBadRequest, Detail: err.Error()}
	}
	if err := s.store.CreateCollection(ctx, &c); err != nil {
		if errors.Is(err, ErrCollectionExists) {
			return Collection{}, Errorf(CodeConflict, "a collection with id %s or alias %q exists", c.ID, c.Alias)
		}
		return Collection{}, err
	}
	return c, nil
}

// List returns the built-in collection, then the stored ones, oldest
// first.
func (s *CollectionService) List(ctx context.Context) ([]Collection, error) {
	out := []Collection{DefaultCollection()}
	if s.store == nil {
		return nil, fmt.Errorf("list collections: no store configured: %w", ErrUnavailable)
	}
	cs, err := s.store.Collections(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, cs...), nil
}

// Delete removes the stored collection id (its objects stay in the hub).
// The built-in collection cannot be removed (CodeForbidden); a missing one
// wraps ErrNotFound.
func (s *CollectionService) Delete(ctx context.Context, id string) error {
	if id == DefaultCollectionID {
		return Errorf(CodeForbidden, "the built-in collection cannot be removed")
	}
	if s.store == nil {
		return fmt.Errorf("delete collection: no store configured: %w", ErrUnavailable)
	}
	if !StorableText(id) {
		return ErrNotFound
	}
	return s.store.DeleteCollection(ctx, id)
}
