package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Verified-token cache bounds: at most verifiedCacheSize tokens, each kept
// at most verifiedCacheTTL (and never past its expiry plus the leeway).
const (
	verifiedCacheSize = 4096
	verifiedCacheTTL  = 10 * time.Minute
)

// verifiedToken is what the checks of a token that depend on its bytes
// alone concluded: the signature is good under one of the Authority's
// keys (which never change for the life of an Authority), the claims
// parse, and issuer, audience, lifetime, tier, org and text are
// acceptable. Only the claims that depend on the clock (exp, nbf, iat)
// and the revocation list must be judged again on every use.
type verifiedToken struct {
	std       jwt.Claims
	issuer    string // the issuer of the key that verified it
	principal Principal
	until     time.Time // when the entry is dropped
}

// verifiedCache remembers tokens that passed every check of verifiedToken,
// by the SHA-256 of the token (the token itself is not kept). It never
// holds a refusal, so a forged token always pays the full verification,
// and it never answers for the revocation list or the clock. Safe for
// concurrent use.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*verifiedToken
}

func tokenKey(token string) [sha256.Size]byte { return sha256.Sum256([]byte(token)) }

// get returns the entry of key when it is still to be kept at now.
func (c *verifiedCache) get(key [sha256.Size]byte, now time.Time) *verifiedToken {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := c.m[key]
	if v == nil {
		return nil
	}
	if now.After(v.until) {
		delete(c.m, key)
		return nil
	}
	return v
}

// put adds an entry; when the cache is full it first drops the entries
// past their time and, if none is, an arbitrary one (map order).
func (c *verifiedCache) put(key [sha256.Size]byte, v *verifiedToken, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[[sha256.Size]byte]*verifiedToken)
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= verifiedCacheSize {
		for k, e := range c.m {
			if now.After(e.until) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < verifiedCacheSize {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = v
}
