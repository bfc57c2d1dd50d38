package translog

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

// BenchmarkObjectEntry is the log's per-version encoding cost on the
// ingest path: one object entry of Pegasus-like sizes.
func BenchmarkObjectEntry(b *testing.B) {
	v := ObjectVersion{
		ID: "indicator--0c000000-0000-4000-8000-000001000001", Modified: "2026-01-01T00:00:00.123Z",
		SHA256: sha256.Sum256([]byte("o")), KID: "identity--11111111-1111-4111-8111-111111111111#ed25519-1",
		Signature: "eyJhbGciOiJFZERTQSIsImtpZCI6ImlkZW50aXR5LS0xMTExMTExMS0xMTExLTQxMTEtODExMS0xMTExMTExMTExMTEjZWQyNTUxOS0xIn0.." + strings.Repeat("A", 86),
		Creator:   "identity--11111111-1111-4111-8111-111111111111", Submission: "submission--5d0092c5-5f74-4287-9642-33f4c354e56d",
		Received: time.Date(2026, 4, 1, 9, 30, 0, 123456789, time.UTC),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ObjectEntry(v); err != nil {
			b.Fatal(err)
		}
	}
}
