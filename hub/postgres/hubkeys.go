package postgres

import (
	"context"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/jmoiron/sqlx"

	"github.com/jag-hub/jag/auth"
)

var _ auth.HubKeyStore = (*DB)(nil)

// hubKeysLock is the transaction advisory lock key that serialises the
// creation of the first hub key across replicas.
const hubKeysLock = 0x6a61675f6b657973 // "jag_keys"

type hubKeyRow struct {
	KID        string     `db:"kid"`
	Alg        string     `db:"alg"`
	PrivateJWK []byte     `db:"private_jwk"`
	CreatedAt  time.Time  `db:"created_at"`
	RetiredAt  *time.Time `db:"retired_at"`
}

// HubKeys implements auth.HubKeyStore: the hub's keys, newest first.
func (db *DB) HubKeys(ctx context.Context) ([]auth.HubKey, error) {
	var rows []hubKeyRow
	err := db.db.SelectContext(ctx, &rows, `
		SELECT kid, alg, private_jwk, created_at, retired_at FROM hub_keys
		ORDER BY created_at DESC, kid`)
	if err != nil {
		return nil, fmt.Errorf("list hub keys: %w", mapError(err))
	}
	out := make([]auth.HubKey, len(rows))
	for i, r := range rows {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(r.PrivateJWK); err != nil {
			return nil, fmt.Errorf("decode hub key %q: %w", r.KID, err)
		}
		out[i] = auth.HubKey{KID: r.KID, Alg: r.Alg, Private: jwk, CreatedAt: r.CreatedAt.UTC(), RetiredAt: r.RetiredAt}
	}
	return out, nil
}

// CreateHubKeyIfNone implements auth.HubKeyStore: it stores k unless a
// non-retired key exists, under a transaction advisory lock so replicas
// starting at once create exactly one key.
func (db *DB) CreateHubKeyIfNone(ctx context.Context, k auth.HubKey) error {
	priv, err := k.Private.MarshalJSON()
	if err != nil {
		return fmt.Errorf("create hub key: %w", err)
	}
	pub, err := k.Private.Public().MarshalJSON()
	if err != nil {
		return fmt.Errorf("create hub key: %w", err)
	}
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(hubKeysLock)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO hub_keys (kid, alg, private_jwk, public_jwk)
			SELECT $1, $2, $3, $4
			WHERE NOT EXISTS (SELECT 1 FROM hub_keys WHERE retired_at IS NULL)
			ON CONFLICT (kid) DO NOTHING`, k.KID, k.Alg, priv, pub)
		return err
	})
	if err != nil {
		return fmt.Errorf("create hub key: %w", err)
	}
	return nil
}
