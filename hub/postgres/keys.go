package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/jmoiron/sqlx"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

var _ auth.KeySource = (*DB)(nil)

// keyRow is a participant_keys row.
type keyRow struct {
	KID         string     `db:"kid"`
	Participant string     `db:"participant_id"`
	Alg         string     `db:"alg"`
	JWK         []byte     `db:"jwk"`
	NotBefore   time.Time  `db:"not_before"`
	RevokedAt   *time.Time `db:"revoked_at"`
}

func (r *keyRow) key() (auth.Key, error) {
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(r.JWK); err != nil {
		return auth.Key{}, fmt.Errorf("decode key %q: %w", r.KID, err)
	}
	jwk.KeyID, jwk.Algorithm = r.KID, r.Alg
	k := auth.Key{KID: r.KID, Participant: r.Participant, Alg: r.Alg, JWK: jwk, NotBefore: r.NotBefore.UTC()}
	if r.RevokedAt != nil {
		t := r.RevokedAt.UTC()
		k.RevokedAt = &t
	}
	return k, nil
}

func keysOf(rows []keyRow) ([]auth.Key, error) {
	out := make([]auth.Key, len(rows))
	for i := range rows {
		k, err := rows[i].key()
		if err != nil {
			return nil, err
		}
		out[i] = k
	}
	return out, nil
}

const keyColumns = `kid, participant_id, alg, jwk, not_before, revoked_at`

// AddKey registers a participant's public key (checked by auth.NewKey). An
// unknown participant is hub.ErrNotFound, an existing kid hub.ErrConflict.
func (db *DB) AddKey(ctx context.Context, k auth.Key) error {
	if !k.JWK.IsPublic() {
		return fmt.Errorf("add key: %w: private key material", auth.ErrInvalidKey)
	}
	jwk, err := k.JWK.MarshalJSON()
	if err != nil {
		return fmt.Errorf("add key: %w", err)
	}
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		var r keyRow
		if err := tx.GetContext(ctx, &r, `
			INSERT INTO participant_keys (kid, participant_id, alg, jwk, not_before)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING `+keyColumns, k.KID, k.Participant, k.Alg, jwk, k.NotBefore); err != nil {
			return err
		}
		return db.logKey(ctx, tx, &r)
	})
	if err != nil {
		return fmt.Errorf("add key: %w", mapConstraint(err))
	}
	return nil
}

// RevokeKey revokes a key from at on (keeping an earlier revocation) and
// returns it; an unknown kid wraps auth.ErrKeyNotFound and hub.ErrNotFound.
// Every replica refuses the key from its next request on: key state is
// read from the database per request, never cached.
func (db *DB) RevokeKey(ctx context.Context, kid string, at time.Time) (auth.Key, error) {
	var r keyRow
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var before keyRow
		if err := tx.GetContext(ctx, &before, `SELECT `+keyColumns+` FROM participant_keys WHERE kid = $1 FOR UPDATE`, kid); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &r, `
			UPDATE participant_keys SET revoked_at = LEAST(COALESCE(revoked_at, $2), $2)
			WHERE kid = $1
			RETURNING `+keyColumns, kid, at); err != nil {
			return err
		}
		if before.RevokedAt != nil && before.RevokedAt.Equal(*r.RevokedAt) {
			return nil // an earlier revocation stands: nothing changed
		}
		return db.logKeyRevoked(ctx, tx, &r)
	})
	if err != nil {
		return auth.Key{}, fmt.Errorf("revoke key %q: %w", kid, keyNotFound(mapError(err)))
	}
	return r.key()
}

// ParticipantKeys implements auth.KeySource: every key of a participant,
// revoked ones included, oldest first.
func (db *DB) ParticipantKeys(ctx context.Context, participant string) ([]auth.Key, error) {
	var rows []keyRow
	err := db.db.SelectContext(ctx, &rows, `
		SELECT `+keyColumns+` FROM participant_keys
		WHERE participant_id = $1 ORDER BY created_at, kid`, participant)
	if err != nil {
		return nil, fmt.Errorf("participant keys: %w", mapError(err))
	}
	return keysOf(rows)
}

// KeyByKID implements auth.KeySource; an unknown kid wraps
// auth.ErrKeyNotFound (and hub.ErrNotFound).
func (db *DB) KeyByKID(ctx context.Context, kid string) (auth.Key, error) {
	var r keyRow
	if err := db.db.GetContext(ctx, &r, `SELECT `+keyColumns+` FROM participant_keys WHERE kid = $1`, kid); err != nil {
		return auth.Key{}, fmt.Errorf("key %q: %w", kid, keyNotFound(mapError(err)))
	}
	return r.key()
}

// Keys returns every registered key, by participant then age.
func (db *DB) Keys(ctx context.Context) ([]auth.Key, error) {
	var rows []keyRow
	err := db.db.SelectContext(ctx, &rows, `
		SELECT `+keyColumns+` FROM participant_keys ORDER BY participant_id, created_at, kid`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", mapError(err))
	}
	return keysOf(rows)
}

// keyNotFound adds auth.ErrKeyNotFound to a not-found error.
func keyNotFound(err error) error {
	if errors.Is(err, hub.ErrNotFound) {
		return fmt.Errorf("%w: %w", auth.ErrKeyNotFound, err)
	}
	return err
}
