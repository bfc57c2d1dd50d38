package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Token defaults (API.md section 2).
const (
	DefaultIssuer      = "jag"
	DefaultAudience    = "jag"
	DefaultLeeway      = 30 * time.Second
	DefaultMaxLifetime = 24 * time.Hour
)

// JOSE "typ" values of what the hub signs.
const (
	TokenType   = "at+jwt"
	ReceiptType = "jag-receipt+jws"
)

// tokenTypes are the accepted spellings of the access-token typ (RFC 9068).
var tokenTypes = []string{TokenType, "application/at+jwt"}

// RevocationChecker tells whether an access token id was revoked. The hub's
// database implements it, so every replica sees a revocation at once.
type RevocationChecker interface {
	TokenRevoked(ctx context.Context, jti string) (bool, error)
}

// ExternalIssuer is an identity provider whose access tokens the hub also
// accepts, with its public keys given as configuration (a JWKS file): the
// hub never fetches keys named by a token.
type ExternalIssuer struct {
	Issuer string // required "iss" of its tokens
	Keys   jose.JSONWebKeySet
}

// AuthorityConfig configures an Authority; zero fields take the defaults.
type AuthorityConfig struct {
	// Keys are the hub's private signing keys, newest first: Keys[0] signs,
	// all of them verify. At least one is required.
	Keys        []jose.JSONWebKey
	Issuer      string        // default DefaultIssuer
	Audience    string        // default DefaultAudience
	Leeway      time.Duration // default DefaultLeeway
	MaxLifetime time.Duration // default DefaultMaxLifetime
	Revocations RevocationChecker
	External    *ExternalIssuer  // optional
	Now         func() time.Time // default time.Now
}

// TokenClaims is what an access token grants.
type TokenClaims struct {
	Subject string // default: Org
	Org     string
	Tier    string
	Scopes  []string
	TTL     time.Duration // > 0 and at most the maximum lifetime
}

// Authority issues and verifies access tokens and signs receipts with the
// hub's keys. It is safe for concurrent use.
type Authority struct {
	signer      jose.Signer
	signerAlg   string
	signerKID   string
	receipts    jose.Signer
	verifyKeys  map[string]verifyKey // by kid
	issuer      string
	audience    string
	leeway      time.Duration
	maxLifetime time.Duration
	revocations RevocationChecker
	now         func() time.Time
	// verified remembers the tokens whose signature and static claims
	// were checked (tokencache.go); the clock and the revocation list are
	// judged on every use.
	verified verifiedCache
}

// verifyKey is a public key trusted for tokens and the issuer it speaks for.
type verifyKey struct {
	key    jose.JSONWebKey
	alg    string
	issuer string
}

// NewAuthority checks cfg and returns an Authority.
func NewAuthority(cfg AuthorityConfig) (*Authority, error) {
	if len(cfg.Keys) == 0 {
		return nil, fmt.Errorf("new authority: %w: no hub signing key", ErrInvalidKey)
	}
	if cfg.Revocations == nil {
		return nil, errors.New("new authority: no revocation checker")
	}
	a := &Authority{
		verifyKeys:  map[string]verifyKey{},
		issuer:      orDefault(cfg.Issuer, DefaultIssuer),
		audience:    orDefault(cfg.Audience, DefaultAudience),
		leeway:      cfg.Leeway,
		maxLifetime: cfg.MaxLifetime,
		revocations: cfg.Revocations,
		now:         cfg.Now,
	}
	if a.leeway == 0 {
		a.leeway = DefaultLeeway
	}
	if a.maxLifetime == 0 {
		a.maxLifetime = DefaultMaxLifetime
	}
	if a.now == nil {
		a.now = time.Now
	}
	for i := range cfg.Keys {
		k := &cfg.Keys[i]
		alg, err := CheckSigningKey(k)
		if err != nil {
			return nil, fmt.Errorf("new authority: hub key %d: %w", i, err)
		}
		if err := a.trust(k.Public(), alg, a.issuer); err != nil {
			return nil, fmt.Errorf("new authority: %w", err)
		}
	}
	first := &cfg.Keys[0]
	a.signerAlg, a.signerKID = first.Algorithm, first.KeyID
	var err error
	if a.signer, err = newTypedSigner(first, TokenType); err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	if a.receipts, err = newTypedSigner(first, ReceiptType); err != nil {
		return nil, fmt.Errorf("new authority: %w", err)
	}
	if ext := cfg.External; ext != nil {
		if ext.Issuer == "" || ext.Issuer == a.issuer {
			return nil, fmt.Errorf("new authority: external issuer must be named and differ from %q", a.issuer)
		}
		for _, k := range ext.Keys.Keys {
			key, err := NewKey("", k, time.Time{})
			if err != nil {
				return nil, fmt.Errorf("new authority: external key %q: %w", k.KeyID, err)
			}
			if err := a.trust(key.JWK, key.Alg, ext.Issuer); err != nil {
				return nil, fmt.Errorf("new authority: %w", err)
			}
		}
	}
	return a, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (a *Authority) trust(k jose.JSONWebKey, alg, issuer string) error {
	if _, dup := a.verifyKeys[k.KeyID]; dup {
		return fmt.Errorf("%w: duplicate kid %q", ErrInvalidKey, k.KeyID)
	}
	k.Algorithm = alg
	a.verifyKeys[k.KeyID] = verifyKey{key: k, alg: alg, issuer: issuer}
	return nil
}

func newTypedSigner(k *jose.JSONWebKey, typ string) (jose.Signer, error) {
	s, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)),
	)
	if err != nil {
		return nil, fmt.Errorf("new %s signer: %w", typ, err)
	}
	return s, nil
}

// tokenClaims are the private claims of a JAG access token.
type tokenClaims struct {
	Org   string `json:"org,omitempty"`
	Tier  string `json:"tier"`
	Scope string `json:"scope"`
}

// Issue signs a new access token for c and returns it with its jti.
func (a *Authority) Issue(ctx context.Context, c TokenClaims) (token string, jti string, err error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	if !slices.Contains(Tiers, c.Tier) {
		return "", "", fmt.Errorf("issue token: %w: tier %q", ErrTokenClaims, c.Tier)
	}
	if c.Org == "" && c.Tier != TierCommunity {
		return "", "", fmt.Errorf("issue token: %w: tier %s needs an org", ErrTokenClaims, c.Tier)
	}
	if !storableText(c.Org) || !storableText(c.Subject) {
		return "", "", fmt.Errorf("issue token: %w: org and subject must be text without NUL", ErrTokenClaims)
	}
	for _, s := range c.Scopes {
		if !slices.Contains(Scopes, s) {
			return "", "", fmt.Errorf("issue token: %w: scope %q", ErrTokenClaims, s)
		}
	}
	if c.TTL <= 0 || c.TTL > a.maxLifetime {
		return "", "", fmt.Errorf("issue token: %w: ttl %s not in (0, %s]", ErrTokenClaims, c.TTL, a.maxLifetime)
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", "", fmt.Errorf("issue token: %w", err)
	}
	jti = base64.RawURLEncoding.EncodeToString(id[:])
	now := a.now().Truncate(time.Second)
	std := jwt.Claims{
		Issuer:    a.issuer,
		Subject:   orDefault(c.Subject, c.Org),
		Audience:  jwt.Audience{a.audience},
		Expiry:    jwt.NewNumericDate(now.Add(c.TTL)),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        jti,
	}
	priv := tokenClaims{Org: c.Org, Tier: c.Tier, Scope: strings.Join(c.Scopes, " ")}
	token, err = jwt.Signed(a.signer).Claims(std).Claims(priv).Serialize()
	if err != nil {
		return "", "", fmt.Errorf("issue token: %w", err)
	}
	return token, jti, nil
}

// Verify checks an access token and returns its principal. Every refusal
// wraps ErrUnauthorized; an error of the revocation store does not.
func (a *Authority) Verify(ctx context.Context, token string) (*Principal, error) {
	p, err := a.verify(ctx, token)
	if err != nil {
		var se *storeError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("verify token: %w", se.err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return p, nil
}

// storeError marks a failure of the revocation store, not of the token.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

func (a *Authority) verify(ctx context.Context, token string) (*Principal, error) {
	now := a.now()
	key := tokenKey(token)
	v := a.verified.get(key, now)
	if v == nil {
		var err error
		if v, err = a.verifySigned(token, now); err != nil {
			return nil, err
		}
		a.verified.put(key, v, now)
	} else if err := a.checkTime(&v.std, v.issuer, now); err != nil {
		return nil, err
	}
	revoked, err := a.revocations.TokenRevoked(ctx, v.std.ID)
	if err != nil {
		return nil, &storeError{fmt.Errorf("check revocation: %w", err)}
	}
	if revoked {
		return nil, fmt.Errorf("%w: jti %q", ErrTokenRevoked, v.std.ID)
	}
	p := v.principal
	p.Scopes = slices.Clone(p.Scopes)
	return &p, nil
}

// verifySigned makes every check of a token but the revocation lookup:
// the signature, the claims that depend on the token alone, and those
// that depend on the clock at now.
func (a *Authority) verifySigned(token string, now time.Time) (*verifiedToken, error) {
	// Exactly three non-empty parts: a JWE (five parts), a detached JWS
	// (empty payload) or a JSON serialisation never gets further.
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, fmt.Errorf("%w: token must be a compact JWS of three parts", ErrMalformed)
	}
	h, err := parseHeader(parts[0], tokenTypes...)
	if err != nil {
		return nil, err
	}
	vk, ok := a.verifyKeys[h.kid]
	if !ok {
		return nil, fmt.Errorf("%w: kid %q", ErrKeyNotFound, h.kid)
	}
	if h.alg != vk.alg {
		return nil, fmt.Errorf("%w: %q for key %q (%s)", ErrAlgorithm, h.alg, h.kid, vk.alg)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(vk.alg)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var std jwt.Claims
	var priv tokenClaims
	if err := tok.Claims(vk.key.Key, &std, &priv); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if std.Expiry == nil || std.ID == "" {
		return nil, fmt.Errorf("%w: exp and jti are required", ErrTokenClaims)
	}
	if err := a.checkTime(&std, vk.issuer, now); err != nil {
		return nil, err
	}
	exp := std.Expiry.Time()
	start := now
	if std.IssuedAt != nil {
		start = std.IssuedAt.Time()
	}
	if std.NotBefore != nil && std.NotBefore.Time().After(start) {
		start = std.NotBefore.Time()
	}
	if exp.Sub(start) > a.maxLifetime {
		return nil, fmt.Errorf("%w: lifetime %s exceeds %s", ErrTokenClaims, exp.Sub(start), a.maxLifetime)
	}
	if !slices.Contains(Tiers, priv.Tier) {
		return nil, fmt.Errorf("%w: tier %q", ErrTokenClaims, priv.Tier)
	}
	if priv.Org == "" && priv.Tier != TierCommunity {
		return nil, fmt.Errorf("%w: tier %s without org", ErrTokenClaims, priv.Tier)
	}
	if !storableText(std.ID) || !storableText(priv.Org) || !storableText(std.Subject) {
		return nil, fmt.Errorf("%w: jti, org and sub must be text without NUL", ErrTokenClaims)
	}
	var scopes []string
	for _, s := range strings.Fields(priv.Scope) {
		if slices.Contains(Scopes, s) && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	until := now.Add(verifiedCacheTTL)
	if last := exp.Add(a.leeway); last.Before(until) {
		until = last
	}
	return &verifiedToken{
		std:    std,
		issuer: vk.issuer,
		principal: Principal{
			Subject: std.Subject,
			Org:     priv.Org,
			Tier:    priv.Tier,
			JTI:     std.ID,
			Scopes:  scopes,
			Expires: exp,
		},
		until: until,
	}, nil
}

// checkTime checks the claims of std that depend on the clock (and, again,
// issuer and audience) at now, with the leeway.
func (a *Authority) checkTime(std *jwt.Claims, issuer string, now time.Time) error {
	err := std.ValidateWithLeeway(jwt.Expected{
		Issuer:      issuer,
		AnyAudience: jwt.Audience{a.audience},
		Time:        now,
	}, a.leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired), errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return fmt.Errorf("%w: %w", ErrTokenExpired, err)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrTokenClaims, err)
	}
	return nil
}

// TokenExpiry reads the exp and jti of a token without verifying it, so a
// token given as such can be put on the revocation list (which only needs
// to keep it until it expires). Use only with tokens from a trusted source.
func TokenExpiry(token string) (jti string, exp time.Time, err error) {
	algs := make([]jose.SignatureAlgorithm, len(Algorithms))
	for i, a := range Algorithms {
		algs[i] = jose.SignatureAlgorithm(a)
	}
	tok, err := jwt.ParseSigned(token, algs)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var std jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&std); err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if std.ID == "" || std.Expiry == nil {
		return "", time.Time{}, fmt.Errorf("%w: exp and jti are required", ErrTokenClaims)
	}
	return std.ID, std.Expiry.Time(), nil
}

// MaxLifetime is the longest lifetime a token may have; revocation entries
// older than it can be purged.
func (a *Authority) MaxLifetime() time.Duration { return a.maxLifetime }

// JWKS returns the public halves of the hub's keys (what
// /.well-known/jwks.json publishes); external issuers' keys are not included.
func (a *Authority) JWKS() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, vk := range a.verifyKeys {
		if vk.issuer == a.issuer {
			k := vk.key
			k.Use = "sig"
			set.Keys = append(set.Keys, k)
		}
	}
	slices.SortFunc(set.Keys, func(x, y jose.JSONWebKey) int { return strings.Compare(x.KeyID, y.KeyID) })
	return set
}

// SignReceipt signs payload as a compact JWS with typ ReceiptType.
func (a *Authority) SignReceipt(payload []byte) (string, error) {
	jws, err := a.receipts.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign receipt: %w", err)
	}
	return jws.CompactSerialize()
}

// VerifyReceipt checks a receipt made by SignReceipt with one of the hub's
// keys and returns its payload.
func (a *Authority) VerifyReceipt(receipt string) ([]byte, error) {
	parts := strings.Split(receipt, ".")
	if len(parts) != 3 || parts[1] == "" {
		return nil, fmt.Errorf("%w: %w: receipt", ErrInvalidSignature, ErrMalformed)
	}
	h, err := parseHeader(parts[0], ReceiptType)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	vk, ok := a.verifyKeys[h.kid]
	if !ok || vk.issuer != a.issuer {
		return nil, fmt.Errorf("%w: %w: kid %q", ErrInvalidSignature, ErrKeyNotFound, h.kid)
	}
	jws, err := jose.ParseSignedCompact(receipt, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(vk.alg)})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	payload, err := jws.Verify(vk.key.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	return payload, nil
}
