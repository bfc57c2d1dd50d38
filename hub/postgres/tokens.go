package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jag-hub/jag/auth"
)

var _ auth.RevocationChecker = (*DB)(nil)

// RevokeToken puts jti on the revocation list shared by all replicas until
// expires (the token's exp); revoking twice is a no-op.
func (db *DB) RevokeToken(ctx context.Context, jti string, expires time.Time) error {
	_, err := db.db.ExecContext(ctx, `
		INSERT INTO tokens_revoked (jti, expires_at) VALUES ($1, $2)
		ON CONFLICT (jti) DO NOTHING`, jti, expires)
	if err != nil {
		return fmt.Errorf("revoke token: %w", mapError(err))
	}
	return nil
}

// TokenRevoked implements auth.RevocationChecker.
func (db *DB) TokenRevoked(ctx context.Context, jti string) (bool, error) {
	var revoked bool
	err := db.db.GetContext(ctx, &revoked, `SELECT EXISTS (SELECT 1 FROM tokens_revoked WHERE jti = $1)`, jti)
	if err != nil {
		return false, fmt.Errorf("check token revocation: %w", mapError(err))
	}
	return revoked, nil
}

// PurgeRevokedTokens deletes revocation entries of tokens that expired
// before cutoff and returns how many. Tokens are accepted until exp plus
// the verification leeway, so pass a cutoff of now minus that leeway (or
// earlier); the entries are useless after that, since the tokens are
// refused as expired.
func (db *DB) PurgeRevokedTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.db.ExecContext(ctx, `DELETE FROM tokens_revoked WHERE expires_at < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("purge revoked tokens: %w", mapError(err))
	}
	return res.RowsAffected()
}
