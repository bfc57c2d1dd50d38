package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres"
)

// authConfig is how the hub signs and checks access tokens; `jag serve`
// and `jag token` share it so tokens issued on the command line are
// accepted by the server.
type authConfig struct {
	issuer, audience string
	leeway           time.Duration
	maxLifetime      time.Duration
	hubKeyFiles      string // comma-separated private JWK files; empty: keys kept in the database
	hubKeyAlg        string
	externalIssuer   string
	externalJWKS     string
}

func (c *authConfig) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&c.issuer, "token-issuer", envOr(e, "JAG_TOKEN_ISSUER", auth.DefaultIssuer), "iss of the hub's access tokens (env JAG_TOKEN_ISSUER)")
	fs.StringVar(&c.audience, "token-audience", envOr(e, "JAG_TOKEN_AUDIENCE", auth.DefaultAudience), "required aud of access tokens (env JAG_TOKEN_AUDIENCE)")
	fs.DurationVar(&c.leeway, "token-leeway", auth.DefaultLeeway, "clock skew allowed on exp/nbf/iat (env JAG_TOKEN_LEEWAY)")
	fs.DurationVar(&c.maxLifetime, "token-max-lifetime", auth.DefaultMaxLifetime, "longest accepted token lifetime (env JAG_TOKEN_MAX_LIFETIME)")
	fs.StringVar(&c.hubKeyFiles, "hub-key-file", envOr(e, "JAG_HUB_KEY_FILE", ""),
		"private JWK file(s), comma-separated, first signs; empty keeps the hub keys in the database, generated on first start (env JAG_HUB_KEY_FILE)")
	fs.StringVar(&c.hubKeyAlg, "hub-key-alg", envOr(e, "JAG_HUB_KEY_ALG", auth.DefaultHubAlgorithm), "algorithm of a generated hub key (env JAG_HUB_KEY_ALG)")
	fs.StringVar(&c.externalIssuer, "external-issuer", envOr(e, "JAG_EXTERNAL_ISSUER", ""), "iss of an external token issuer to trust as well (env JAG_EXTERNAL_ISSUER)")
	fs.StringVar(&c.externalJWKS, "external-jwks-file", envOr(e, "JAG_EXTERNAL_JWKS_FILE", ""), "JWKS file of the external issuer; never fetched from tokens (env JAG_EXTERNAL_JWKS_FILE)")
}

// authEnv maps the typed auth flags to their environment variables.
var authEnv = map[string]string{
	"token-leeway":       "JAG_TOKEN_LEEWAY",
	"token-max-lifetime": "JAG_TOKEN_MAX_LIFETIME",
}

// authority builds the token authority: hub keys from files, or from the
// database (generated there on first start, race-free across replicas),
// and db as the shared revocation list.
func (c *authConfig) authority(ctx context.Context, db *postgres.DB) (*auth.Authority, error) {
	var keys []jose.JSONWebKey
	if c.hubKeyFiles != "" {
		for _, path := range strings.Split(c.hubKeyFiles, ",") {
			k, err := readPrivateKey(strings.TrimSpace(path))
			if err != nil {
				return nil, err
			}
			keys = append(keys, *k)
		}
	} else {
		var err error
		if keys, err = auth.EnsureHubKeys(ctx, db, c.hubKeyAlg); err != nil {
			return nil, err
		}
	}
	cfg := auth.AuthorityConfig{
		Keys: keys, Issuer: c.issuer, Audience: c.audience,
		Leeway: c.leeway, MaxLifetime: c.maxLifetime, Revocations: db,
	}
	if c.externalIssuer != "" || c.externalJWKS != "" {
		if c.externalIssuer == "" || c.externalJWKS == "" {
			return nil, fmt.Errorf("%w: --external-issuer and --external-jwks-file go together", errUsage)
		}
		data, err := os.ReadFile(c.externalJWKS)
		if err != nil {
			return nil, fmt.Errorf("read external JWKS: %w", err)
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(data, &set); err != nil {
			return nil, fmt.Errorf("external JWKS %s: %w", c.externalJWKS, err)
		}
		cfg.External = &auth.ExternalIssuer{Issuer: c.externalIssuer, Keys: set}
	}
	return auth.NewAuthority(cfg)
}

// readPrivateKey reads a private JWK file (as `jag keygen` writes it).
func readPrivateKey(path string) (*jose.JSONWebKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	k, err := auth.ParseJWK(data)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	if _, err := auth.CheckSigningKey(&k); err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return &k, nil
}

// tokenGroup is `jag token issue|revoke`, run directly on the database.
var tokenGroup = commandGroup{
	name: "token",
	about: "Issue and revoke the access tokens (JWTs signed by the hub) that clients send as\n" +
		"Authorization: Bearer. A token acts for one participant (--org) at one tier with scopes:\n" +
		"submit (POST bundles), read (query, lookup, subscribe), admin (the /v1/admin API).\n" +
		"The token is printed once on stdout; keep it in a 0600 file for --token-file.\n\n" + adminAbout,
	subs: []subcommandSpec{
		{"issue", "issue a token: --org identity--… --tier member|client|community --scope \"submit read\" [--ttl 1h]", tokenIssue},
		{"revoke", "revoke a token given on stdin, or by --jti; every replica refuses it from then on", tokenRevoke},
	},
	example: `  jag token issue --org identity--8f7c0c39-6f2b-4b43-9f55-5c1b4e1f8a01 --tier member --scope "submit read" --ttl 24h > krcert.token
  chmod 600 krcert.token
  jag query --token-file krcert.token --type indicator
  jag token revoke < krcert.token`,
}

func cmdToken(ctx context.Context, e *env, args []string) error {
	return tokenGroup.dispatch(ctx, e, args)
}

func tokenIssue(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token issue", "--org identity--… --tier member|client|community --scope \"submit read\" [--ttl 1h] [flags]")
	var dbf dbFlags
	var ac authConfig
	var c auth.TokenClaims
	var scope string
	dbf.register(fs, e)
	ac.register(fs, e)
	fs.StringVar(&c.Org, "org", "", "participant identity id the token acts for")
	fs.StringVar(&c.Tier, "tier", auth.TierMember, "member, client or community")
	fs.StringVar(&scope, "scope", "read", "space-separated scopes: submit, read, admin")
	fs.StringVar(&c.Subject, "sub", "", "subject (default: the org)")
	fs.DurationVar(&c.TTL, "ttl", time.Hour, "lifetime of the token")
	guardFlags(fs, clientRules)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := applyEnv(fs, e, authEnv); err != nil {
		return err
	}
	c.Scopes = strings.Fields(scope)
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if c.Org != "" {
		if _, err := d.DB.Participant(ctx, c.Org); err != nil {
			return adminError(err, "", fmt.Sprintf("no participant %s: register it first with `jag participant add` (`jag participant list` shows them)", cell(c.Org, 100)))
		}
	}
	a, err := ac.authority(ctx, d.DB)
	if err != nil {
		return err
	}
	token, _, err := a.Issue(ctx, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	return nil
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "token revoke", "--jti JTI | (token on stdin) [flags]")
	var dbf dbFlags
	var jti string
	maxLifetime := auth.DefaultMaxLifetime
	dbf.register(fs, e)
	fs.StringVar(&jti, "jti", "", "id of the token to revoke; without it the token is read from stdin")
	fs.DurationVar(&maxLifetime, "token-max-lifetime", maxLifetime, "how long to keep a revocation given by jti only (env JAG_TOKEN_MAX_LIFETIME)")
	guardFlags(fs, clientRules)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := applyEnv(fs, e, map[string]string{"token-max-lifetime": "JAG_TOKEN_MAX_LIFETIME"}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (tokens are read from stdin, never from the command line)", errUsage, fs.Arg(0))
	}
	expires := time.Now().Add(maxLifetime)
	if jti == "" {
		token, err := readToken(e.stdin)
		if err != nil {
			return err
		}
		if jti, expires, err = auth.TokenExpiry(token); err != nil {
			return fmt.Errorf("token on stdin: %w", err)
		}
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.DB.RevokeToken(ctx, jti, expires); err != nil {
		return adminError(err, "", "")
	}
	fmt.Fprintf(e.stdout, "revoked %s\n", jti)
	return nil
}

// readToken reads one token from r (the first non-empty line).
func readToken(r io.Reader) (string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			return strings.TrimPrefix(t, "Bearer "), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("read token: %w", err)
	}
	return "", fmt.Errorf("%w: give --jti or the token on stdin", errUsage)
}
