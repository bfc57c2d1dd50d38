package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// participantRow is a participants row.
type participantRow struct {
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	Country   *string   `db:"country"`
	Sector    *string   `db:"sector"`
	Identity  []byte    `db:"identity"`
	CreatedAt time.Time `db:"created_at"`
}

func (r *participantRow) participant() auth.Participant {
	p := auth.Participant{ID: r.ID, Name: r.Name, Identity: json.RawMessage(r.Identity), CreatedAt: r.CreatedAt.UTC()}
	if r.Country != nil {
		p.Country = *r.Country
	}
	if r.Sector != nil {
		p.Sector = *r.Sector
	}
	return p
}

const participantColumns = `id, name, country, sector, identity, created_at`

// CreateParticipant registers p; an existing id is hub.ErrConflict.
func (db *DB) CreateParticipant(ctx context.Context, p auth.Participant) error {
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO participants (id, name, country, sector, identity, created_at)
			VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6)`,
			p.ID, p.Name, p.Country, p.Sector, []byte(p.Identity), p.CreatedAt); err != nil {
			return err
		}
		return db.logParticipant(ctx, tx, p)
	})
	if err != nil {
		return fmt.Errorf("create participant: %w", mapConstraint(err))
	}
	return nil
}

// Participants returns every participant, ordered by id.
func (db *DB) Participants(ctx context.Context) ([]auth.Participant, error) {
	var rows []participantRow
	if err := db.db.SelectContext(ctx, &rows, `SELECT `+participantColumns+` FROM participants ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list participants: %w", mapError(err))
	}
	out := make([]auth.Participant, len(rows))
	for i := range rows {
		out[i] = rows[i].participant()
	}
	return out, nil
}

// Participant returns one participant or hub.ErrNotFound.
func (db *DB) Participant(ctx context.Context, id string) (auth.Participant, error) {
	var r participantRow
	if err := db.db.GetContext(ctx, &r, `SELECT `+participantColumns+` FROM participants WHERE id = $1`, id); err != nil {
		return auth.Participant{}, fmt.Errorf("get participant: %w", mapError(err))
	}
	return r.participant(), nil
}

// mapConstraint maps integrity violations of the registry tables by
// SQLSTATE: unique violation → hub.ErrConflict, foreign-key violation (an
// unknown participant) → hub.ErrNotFound; anything else through mapError.
func mapConstraint(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505":
			return fmt.Errorf("%w: %s", hub.ErrConflict, pqErr.Constraint)
		case "23503":
			return fmt.Errorf("%w: %s", hub.ErrNotFound, pqErr.Constraint)
		}
	}
	return mapError(err)
}
