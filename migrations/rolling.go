//go:build jag_rolling

package migrations

import (
	"embed"
	"io/fs"
)

// The rolling-deploy test builds a "newer" binary with this tag: it has
// one migration more than the shipped set (testdata/rolling), declared
// compatible with every older binary.

//go:embed testdata/rolling/*.sql
var rolling embed.FS

func init() {
	sub, err := fs.Sub(rolling, "testdata/rolling")
	if err != nil {
		panic(err)
	}
	extra = append(extra, sub)
}
