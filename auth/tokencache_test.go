package auth

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

// len is the number of entries.
func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// forget drops every entry.
func (c *verifiedCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// A token verified once is remembered, yet every later use still asks the
// revocation list and judges the clock.
func TestVerifiedCacheStillChecksRevocationAndClock(t *testing.T) {
	var mu sync.Mutex
	now := tokenNow
	a, rev := newTestAuthority(t, func(c *AuthorityConfig) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	ctx := context.Background()
	tok, jti, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, Scopes: []string{ScopeRead}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := a.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if a.verified.len() != 1 {
		t.Fatalf("%d cached tokens after one verification, want 1", a.verified.len())
	}
	p1.Scopes[0] = ScopeAdmin // a caller's change must not reach the cache
	p2, err := a.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if p2.HasScope(ScopeAdmin) || !p2.HasScope(ScopeRead) || p2.Org != orgA || p2.JTI != jti || p2 == p1 {
		t.Fatalf("second verification: %+v", p2)
	}

	// Expired (beyond the leeway) while cached.
	setNow(tokenNow.Add(time.Hour + DefaultLeeway + time.Second))
	if _, err := a.Verify(ctx, tok); !errors.Is(err, ErrTokenExpired) || !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("expired cached token: %v", err)
	}
	setNow(tokenNow.Add(time.Minute))

	// Revoked while cached: refused on the very next request.
	if _, err := a.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	rev.revoke(jti)
	if _, err := a.Verify(ctx, tok); !errors.Is(err, ErrTokenRevoked) {
		t.Fatalf("revoked cached token: %v", err)
	}

	// The revocation store failing is not hidden by the cache.
	tok2, _, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	rev.mu.Lock()
	rev.err = errors.New("database down")
	rev.mu.Unlock()
	if _, err := a.Verify(ctx, tok2); err == nil || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("store failure on a cached token: %v", err)
	}
}

// Refused tokens are never remembered; a token differing in one byte
// from a cached one is verified in full.
func TestVerifiedCacheKeepsNoRefusal(t *testing.T) {
	a, _ := newTestAuthority(t, nil)
	ctx := context.Background()
	tok, _, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	i := len(tok) - 10 // a whole base64 digit of the signature
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	forged := tok[:i] + string(c) + tok[i+1:]
	for range 2 {
		if _, err := a.Verify(ctx, forged); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("altered signature: %v", err)
		}
	}
	if a.verified.len() != 1 {
		t.Fatalf("%d cached tokens, want only the good one", a.verified.len())
	}
}

// The cache holds at most verifiedCacheSize tokens, and none past its
// expiry plus the leeway or verifiedCacheTTL.
func TestVerifiedCacheBounded(t *testing.T) {
	var c verifiedCache
	for i := range verifiedCacheSize + 100 {
		c.put(tokenKey(strconv.Itoa(i)), &verifiedToken{until: tokenNow.Add(time.Minute)}, tokenNow)
	}
	if n := c.len(); n != verifiedCacheSize {
		t.Fatalf("%d entries, want %d", n, verifiedCacheSize)
	}
	if c.get(tokenKey(strconv.Itoa(verifiedCacheSize+99)), tokenNow) == nil {
		t.Fatal("the newest entry was dropped")
	}
	if c.get(tokenKey(strconv.Itoa(verifiedCacheSize+99)), tokenNow.Add(time.Minute+time.Nanosecond)) != nil {
		t.Fatal("an entry past its time was returned")
	}

	a, _ := newTestAuthority(t, nil)
	ctx := context.Background()
	for _, ttl := range []time.Duration{time.Minute, 2 * verifiedCacheTTL} {
		tok, _, err := a.Issue(ctx, TokenClaims{Org: orgA, Tier: TierMember, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		want := tokenNow.Add(min(ttl+DefaultLeeway, verifiedCacheTTL))
		if v := a.verified.get(tokenKey(tok), tokenNow); v == nil || !v.until.Equal(want) {
			t.Fatalf("ttl %s: entry %+v, want kept until %s", ttl, v, want)
		}
	}
}
