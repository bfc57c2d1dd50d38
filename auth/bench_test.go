package auth

import (
	"context"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth/jcs"
)

// BenchmarkVerifyObject measures VerifyObject (JCS included) on a typical
// 1 KiB signed indicator for each algorithm.
func BenchmarkVerifyObject(b *testing.B) {
	for _, alg := range Algorithms {
		b.Run(alg, func(b *testing.B) {
			priv := testKeySet()[alg]
			keys := []Key{registered(b, orgA, priv)}
			signed := sign(b, testIndicator, priv, []string{orgA})
			now := time.Now()
			b.SetBytes(int64(len(signed)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := VerifyObject(signed, keys, now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}

// BenchmarkJCS measures the canonicalisation of the signed indicator.
func BenchmarkJCS(b *testing.B) {
	signed := sign(b, testIndicator, testKeySet()["EdDSA"], nil)
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jcs.Transform(signed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyToken measures access-token verification (EdDSA hub key,
// in-memory revocation list): "first" of a token seen for the first time
// (the verified-token cache is emptied before every verification),
// "again" of a token verified before (the cache answers for its
// signature; clock and revocation list are still checked).
func BenchmarkVerifyToken(b *testing.B) {
	for _, tc := range []struct {
		name   string
		forget bool
	}{{"first", true}, {"again", false}} {
		b.Run(tc.name, func(b *testing.B) {
			a, _ := newTestAuthority(b, nil)
			ctx := context.Background()
			tok, _, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, Scopes: []string{"read"}, TTL: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if tc.forget {
					a.verified.forget()
				}
				if _, err := a.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
