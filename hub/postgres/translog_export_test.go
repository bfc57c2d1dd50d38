package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// WriteLogBatch exposes writeBatch to the external tests: the bytes a
// batch's bundle is stored as.
func WriteLogBatch(ctx context.Context, tx *sqlx.Tx, batch string, entries [][]byte) error {
	return writeBatch(ctx, tx, batch, entries)
}

// LogBundleSentAsIs reports whether a batch of entries travels as its
// bundle's bytes (rather than escaped).
func LogBundleSentAsIs(entries [][]byte) bool {
	b, err := bundleArg(entries)
	return err == nil && b.ascii
}
