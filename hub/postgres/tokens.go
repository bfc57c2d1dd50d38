package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

var (
	_ auth.RevocationChecker = (*DB)(nil)
	_ hub.RevocationFeed     = (*DB)(nil)
)

// revocationOverlap is how far behind the database clock the watermark of
// TokensRevokedSince stays. revoked_at is the start of the revoking
// transaction (now()), which becomes visible only at its commit, so a
// row may appear with a revoked_at earlier than a watermark read in
// between; re-reading this window catches it. A revocation committed
// later than this after its transaction began can still be missed by the
// poll, never by the per-token check (TokenRevoked).
const revocationOverlap = 5 * time.Second

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
// Every authenticated request makes this check, so its statement is
// prepared (one round trip).
func (db *DB) TokenRevoked(ctx context.Context, jti string) (bool, error) {
	const stmt = `SELECT EXISTS (SELECT 1 FROM tokens_revoked WHERE jti = $1)`
	st, err := db.prepared(ctx, stmt)
	if err != nil {
		return false, fmt.Errorf("check token revocation: %w", err)
	}
	var revoked bool
	if err := st.QueryRowContext(ctx, jti).Scan(&revoked); err != nil {
		return false, fmt.Errorf("check token revocation: %w", mapError(err))
	}
	return revoked, nil
}

// TokensRevokedSince implements hub.RevocationFeed: it returns the ids
// of the tokens revoked after since (revoked_at > since) and through, the
// value to pass as since on the next call. through is the database clock
// read in the same statement minus revocationOverlap, so consecutive
// calls overlap by that window and return the same recent jti more than
// once; callers treat the result as a set of ids to act on, idempotently.
// The zero since returns every revocation not yet purged.
func (db *DB) TokensRevokedSince(ctx context.Context, since time.Time) (jtis []string, through time.Time, err error) {
	var row struct {
		Through time.Time      `db:"through"`
		JTIs    pq.StringArray `db:"jtis"`
	}
	err = db.db.GetContext(ctx, &row, `
		SELECT now() - make_interval(secs => $2) AS through,
		       COALESCE((SELECT array_agg(jti ORDER BY jti) FROM tokens_revoked WHERE revoked_at > $1), '{}') AS jtis`,
		since, revocationOverlap.Seconds())
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("list revoked tokens: %w", mapError(err))
	}
	return []string(row.JTIs), row.Through, nil
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
