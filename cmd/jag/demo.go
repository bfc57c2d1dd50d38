package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/stix"
)

// The demo's two participants: the one that shares the Pegasus set, and
// the one that looks things up in it.
const (
	demoSharer = "identity--d3e00000-0000-4000-8000-00000000000a"
	demoReader = "identity--d3e00000-0000-4000-8000-00000000000b"
)

// demoCredit is the attribution the Pegasus data set (CC-BY 2.0) requires.
const demoCredit = "Indicators by Amnesty International Security Lab"

// defaultDemoDataset is the Pegasus set, relative to the repository root
// (a copy of shared/datasets kept with its licence beside the stix tests).
const defaultDemoDataset = "stix/testdata/datasets/amnesty-pegasus.stix2.json"

// cmdDemo is `jag demo`: a guided first run. It uses the hub at --server
// or starts one, registers two participants directly on the database,
// signs the Pegasus indicators as the first, submits them, and looks a few
// values up as the second, saying in plain words what happens.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "[flags]")
	var cf clientFlags
	cf.register(fs, e)
	var dbf dbFlags
	dbf.register(fs, e)
	dataset := fs.String("dataset", envOr(e, "JAG_DEMO_DATASET", defaultDemoDataset), "STIX bundle to share (env JAG_DEMO_DATASET)")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	say := func(format string, a ...any) { fmt.Fprintf(e.stdout, format+"\n", a...) }
	bundle, err := os.ReadFile(*dataset)
	if err != nil {
		return fmt.Errorf("read the demo data set (set --dataset): %w", err)
	}

	c, err := cf.client()
	if err != nil {
		return err
	}
	var db *postgres.DB
	if _, err := c.call(ctx, request{method: "GET", path: "/readyz"}, nil); err == nil {
		say("A hub is running at %s; the demo uses it.", c.base.Redacted())
		d, err := dbf.openAdmin(ctx, e)
		if err != nil {
			return fmt.Errorf("open the hub's database to register the demo participants (see --database-url, --data-dir): %w", err)
		}
		defer d.Close()
		db = d.DB
	} else {
		say("No hub answers at %s, so the demo starts one (database in %s).", c.base.Redacted(), dataDirOrURL(dbf))
		m, err := startDemoHub(ctx, e, c.base, dbf)
		if err != nil {
			return err
		}
		defer func() {
			say("The demo stops the hub it started. Run `make run` (or `jag serve`) to keep one running.")
			_ = m.Close()
		}()
		db = m.db.DB
	}

	say("\n1. Registering two participants directly on the database, as `jag participant add` and `jag key add` do:")
	keys := map[string]*jose.JSONWebKey{}
	for _, p := range []struct{ id, name, country string }{
		{demoSharer, "Demo CERT (sharer)", "LU"},
		{demoReader, "Demo SOC (reader)", "BE"},
	} {
		key, err := demoParticipant(ctx, db, p.id, p.name, p.country)
		if err != nil {
			return err
		}
		keys[p.id] = key
		say("   %s  %s, new Ed25519 signing key %s", p.id, p.name, key.KeyID)
	}
	tokens, err := demoTokens(ctx, db)
	if err != nil {
		return err
	}

	say("\n2. Signing every object of %s as %s (created_by_ref set, one detached JWS per object) ...", filepath.Base(*dataset), demoSharer)
	signed, n, err := signBundleAs(bundle, keys[demoSharer], demoSharer)
	if err != nil {
		return fmt.Errorf("sign %s: %w", *dataset, err)
	}
	say("   %d objects signed.", n)

	say("\n3. Submitting the signed bundle with a token of %s ...", demoSharer)
	submitter := &client{base: c.base, token: tokens[demoSharer], http: c.http}
	var receipt struct {
		Submission string `json:"submission"`
		Accepted   int    `json:"accepted"`
		Duplicates int    `json:"duplicates"`
	}
	status, err := submitter.call(ctx, request{method: "POST", path: "/v1/bundles", body: signed, contentType: "application/stix+json;version=2.1"}, &receipt)
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.Code == hub.CodeConflict:
		// An earlier demo run stored these versions, signed with the key
		// of that run: the hub refuses different bytes for a stored version.
		say("   409 Conflict: an earlier demo run already shared these versions (signed with that run's key); the hub keeps the first.")
	case err != nil:
		return fmt.Errorf("submit: %w", err)
	default:
		say("   %d %s: %s stored %d new object versions (%d already known); the hub signed a receipt.", status, httpStatusText(status), receipt.Submission, receipt.Accepted, receipt.Duplicates)
	}

	say("\n4. Looking values up with a read token of %s (TLP:AMBER by default: members and clients of any org see it):", demoReader)
	reader := &client{base: c.base, token: tokens[demoReader], http: c.http}
	for _, v := range demoLookups(bundle) {
		var res struct {
			Kind    string `json:"kind"`
			Count   int    `json:"count"`
			Matches []struct {
				Match      string `json:"match"`
				ID         string `json:"id"`
				Observable struct{ Value string }
			} `json:"matches"`
		}
		if _, err := reader.call(ctx, request{method: "GET", path: "/v1/lookup", query: url.Values{"value": {v}}}, &res); err != nil {
			return fmt.Errorf("lookup %s: %w", v, err)
		}
		if res.Count == 0 {
			say("   %-28s (%s) no indicator names it.", v, res.Kind)
			continue
		}
		m := res.Matches[0]
		say("   %-28s (%s) %d match: %s names %q (%s match).", v, res.Kind, res.Count, m.ID, m.Observable.Value, m.Match)
	}
	say("\nTry it yourself, with a hub running (`make run`):")
	say("   jag token issue --org %s --tier member --scope read > reader.token", demoReader)
	say("   jag lookup --server %s --token-file reader.token weather4free.com www.smscentro.com", c.base.Redacted())
	say("\n%s (CC-BY 2.0, https://github.com/AmnestyTech/investigations).", demoCredit)
	return nil
}

func dataDirOrURL(f dbFlags) string {
	if f.url != "" {
		return "the database at --database-url"
	}
	return f.dataDir
}

func httpStatusText(code int) string {
	if code == 201 {
		return "Created"
	}
	return "OK"
}

// startDemoHub runs the hub in this process on the --server address.
func startDemoHub(ctx context.Context, e *env, base *url.URL, dbf dbFlags) (*Main, error) {
	host := base.Host
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "80")
	}
	m := &Main{env: &env{stdin: e.stdin, stdout: io.Discard, stderr: io.Discard, getenv: e.getenv}}
	// The same configuration path as `jag serve` (flags over JAG_*), so the
	// demo's hub honours the operator's environment.
	fs := m.cfg.register(m.env, "serve")
	args := []string{"--addr", host, "--database-url", dbf.url, "--data-dir", dbf.dataDir, "--log-level", "warn"}
	if err := m.cfg.parse(fs, m.env, args); err != nil {
		return nil, err
	}
	if err := m.Run(ctx); err != nil {
		return nil, fmt.Errorf("start the hub: %w", err)
	}
	return m, nil
}

// demoParticipant registers a participant (once) and a fresh signing key
// for it, and returns the private key.
func demoParticipant(ctx context.Context, db *postgres.DB, id, name, country string) (*jose.JSONWebKey, error) {
	p, err := auth.NewParticipant(id, name, country, "", time.Now())
	if err != nil {
		return nil, err
	}
	if err := db.CreateParticipant(ctx, p); err != nil && !errors.Is(err, hub.ErrConflict) {
		return nil, fmt.Errorf("register %s: %w", id, err)
	}
	priv, err := auth.GenerateKey("EdDSA")
	if err != nil {
		return nil, err
	}
	k, err := auth.NewKey(id, priv.Public(), time.Now().Add(-time.Minute))
	if err != nil {
		return nil, err
	}
	if err := db.AddKey(ctx, k); err != nil {
		return nil, fmt.Errorf("register key of %s: %w", id, err)
	}
	return priv, nil
}

// demoTokens issues a short-lived member token for each demo participant
// with the hub's own keys (as `jag token issue` does).
func demoTokens(ctx context.Context, db *postgres.DB) (map[string]string, error) {
	hubKeys, err := auth.EnsureHubKeys(ctx, db, auth.DefaultHubAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("hub keys: %w", err)
	}
	a, err := auth.NewAuthority(auth.AuthorityConfig{Keys: hubKeys, Revocations: db})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, org := range []string{demoSharer, demoReader} {
		tok, _, err := a.Issue(ctx, auth.TokenClaims{Org: org, Tier: auth.TierMember, Scopes: []string{auth.ScopeSubmit, auth.ScopeRead}, TTL: 15 * time.Minute})
		if err != nil {
			return nil, fmt.Errorf("issue token: %w", err)
		}
		out[org] = tok
	}
	return out, nil
}

// signBundleAs sets created_by_ref to org on every object of a bundle
// except the predefined TLP marking definitions, signs each with key, and
// returns the new bundle and how many objects it signed.
func signBundleAs(data []byte, key *jose.JSONWebKey, org string) ([]byte, int, error) {
	var b struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil || b.Type != "bundle" {
		return nil, 0, fmt.Errorf("not a STIX bundle: %v", err)
	}
	n := 0
	for i, raw := range b.Objects {
		if o, err := stix.DecodeObject(raw, stix.DefaultLimits()); err == nil && stix.IsPredefinedTLPMarking(o) {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, 0, fmt.Errorf("object %d: %w", i, err)
		}
		obj["created_by_ref"], _ = json.Marshal(org)
		withCreator, err := json.Marshal(obj)
		if err != nil {
			return nil, 0, err
		}
		if b.Objects[i], err = auth.SignObject(withCreator, key, nil); err != nil {
			return nil, 0, fmt.Errorf("object %d: %w", i, err)
		}
		n++
	}
	out, err := json.Marshal(b)
	return out, n, err
}

// demoLookups picks values to look up: the first domain of the data set,
// a host under it, its upper-cased form, and one value nobody names.
func demoLookups(bundle []byte) []string {
	first := "weather4free.com"
	const marker = "[domain-name:value='"
	if i := strings.Index(string(bundle), marker); i >= 0 {
		rest := string(bundle[i+len(marker):])
		if j := strings.IndexByte(rest, '\''); j > 0 {
			first = rest[:j]
		}
	}
	return []string{first, "cdn." + first, strings.ToUpper(first), "example.org"}
}
