package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// The golden tests run the real commands against a real `jag serve` and
// the real database, once as on a terminal and once as in a pipe, and
// compare everything they print (exit status, stdout, stderr) with
// testdata/golden/NAME.tty and NAME.pipe. Values that differ from run to
// run (times the hub stamps, the hub's own key, ports, temporary
// directories, receipts) are replaced by placeholders; everything else,
// column alignment included, must match byte for byte.
//
//	go test ./cmd/jag -run TestGolden -update   # rewrite the files

var update = flag.Bool("update", false, "rewrite testdata/golden from the real output")

// Fixture participants, keys and objects: fixed, so output is stable.
const (
	gKR     = "identity--4b3e6c1a-7d2f-4e8a-9c5b-1f0e2d3c4b5a"
	gLU     = "identity--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	gInd1   = "indicator--11111111-1111-4111-8111-111111111111"
	gInd2   = "indicator--22222222-2222-4222-8222-222222222222"
	gInd3   = "indicator--33333333-3333-4333-8333-333333333333"
	gInd4   = "indicator--44444444-4444-4444-8444-444444444444"
	gInd5   = "indicator--55555555-5555-4555-8555-555555555555"
	gFixed  = "2025-06-01T00:00:00.000Z"
	gSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

var gNotBefore = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// seededKey is a deterministic Ed25519 signing key.
func seededKey(t *testing.T, seed byte) *jose.JSONWebKey {
	t.Helper()
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	jwk := &jose.JSONWebKey{Key: ed25519.NewKeyFromSeed(s), Algorithm: "EdDSA", Use: "sig"}
	kid, err := auth.Thumbprint(jwk)
	if err != nil {
		t.Fatal(err)
	}
	jwk.KeyID = kid
	return jwk
}

// goldenIndicator is an unsigned indicator of org with fixed times.
func goldenIndicator(org, id, name, pattern, marking string) string {
	m := ""
	if marking != "" {
		m = `,"object_marking_refs":["` + marking + `"]`
	}
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"created_by_ref":%q,`+
		`"name":%q,"indicator_types":["malicious-activity"],"pattern":%q,"pattern_type":"stix","pattern_version":"2.1",`+
		`"valid_from":"2025-06-01T00:00:00Z"%s}`, id, gFixed, gFixed, org, name, pattern, m)
}

func goldenBundle(id string, objs ...string) string {
	return `{"type":"bundle","id":"bundle--` + id + `","objects":[` + strings.Join(objs, ",") + `]}`
}

// golden is the fixture: a hub with two participants and a few objects,
// and the files the commands read.
type golden struct {
	t    *testing.T
	w    *world
	p    *serveProc
	dir  string
	vars map[string]string
	repl []string // old, new pairs applied before the patterns
}

func newGolden(t *testing.T) *golden {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.Open(ctx, url, postgres.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, dbURL: url, db: db, keys: map[string]*jose.JSONWebKey{}, tokens: map[string]string{}}
	for i, org := range []struct{ id, name, country, sector string }{
		{gKR, "KR CERT", "KR", "government"}, {gLU, "CERT.LU", "LU", "government"},
	} {
		p, err := auth.NewParticipant(org.id, org.name, org.country, org.sector, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateParticipant(ctx, p); err != nil {
			t.Fatal(err)
		}
		priv := seededKey(t, byte(i+1))
		k, err := auth.NewKey(org.id, priv.Public(), gNotBefore)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		w.keys[org.id] = priv
	}
	// A retired key of KR CERT, revoked at a fixed time.
	old := seededKey(t, 9)
	k, err := auth.NewKey(gKR, old.Public(), gNotBefore)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RevokeKey(ctx, k.KID, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	hubKeys, err := auth.EnsureHubKeys(ctx, db, auth.DefaultHubAlgorithm)
	if err != nil {
		t.Fatal(err)
	}
	if w.authority, err = auth.NewAuthority(auth.AuthorityConfig{Keys: hubKeys, Revocations: db}); err != nil {
		t.Fatal(err)
	}
	// The transparency log is off here: its members in submit and
	// provenance answers depend on the sequencer's timing (an index, then
	// a proof against a checkpoint signed with a fresh key); the log's
	// output is checked by TestTransparencyLog* instead.
	p := startServe(t, url, "--transparency-log=false")
	// KR CERT's objects, then CERT.LU's, in two submissions.
	w.submit(p.URL, gKR,
		w.sign(gKR, goldenIndicator(gKR, gInd1, "Scanner range", "[ipv4-addr:value = '192.0.2.0/24']", stix.TLPAmberID)),
		w.sign(gKR, goldenIndicator(gKR, gInd3, "Dropper", "[file:hashes.'SHA-256' = '"+gSHA256+"']", "")))
	w.submit(p.URL, gLU,
		w.sign(gLU, goldenIndicator(gLU, gInd2, "Phishing domain", "[domain-name:value = 'evil.example']", stix.TLPGreenID)))

	g := &golden{t: t, w: w, p: p, dir: t.TempDir()}
	tok := w.token(gKR, auth.TierMember, auth.ScopeSubmit, auth.ScopeRead)
	g.vars = map[string]string{"JAG_SERVER": p.URL, "JAG_TOKEN_FILE": g.file("kr.token", tok+"\n")}
	kid := func(k jose.JSONWebKey) string { return k.KeyID }
	g.repl = []string{g.dir, "<DIR>", p.Addr, "<HUB>", url, "<DATABASE>"}
	for _, hk := range hubKeys {
		g.repl = append(g.repl, kid(hk), "<HUB-KID>")
	}
	return g
}

// file writes a fixture file under the test's directory.
func (g *golden) file(name, content string) string {
	g.t.Helper()
	path := filepath.Join(g.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		g.t.Fatal(err)
	}
	return path
}

// Patterns of what changes from run to run.
var (
	reJWS        = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	reSubmission = regexp.MustCompile(`submission--[0-9a-f-]{36}`)
	reBundle     = regexp.MustCompile(`bundle--[0-9a-f]{8}-0000-4000-8000-[0-9a-f]{12}`)
	reTimeHuman  = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`)
	reTimeRFC    = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	reNext       = regexp.MustCompile(`(--next |"next": ?")[A-Za-z0-9_=-]+`)
	reBackoff    = regexp.MustCompile(`reconnecting in \d+ms`)
)

// normalise replaces what differs between runs. Fixture times (2025-06,
// 2025-07) are kept; any other time is one the hub stamped.
func (g *golden) normalise(s string) string {
	for i := 0; i+1 < len(g.repl); i += 2 {
		s = strings.ReplaceAll(s, g.repl[i], g.repl[i+1])
	}
	s = reJWS.ReplaceAllString(s, "<JWS>")
	s = reSubmission.ReplaceAllString(s, "submission--<ID>")
	s = reBundle.ReplaceAllString(s, "bundle--<ID>")
	keep := func(t string) bool { return strings.HasPrefix(t, "2025-06-01") || strings.HasPrefix(t, "2025-07-01") }
	s = reTimeHuman.ReplaceAllStringFunc(s, func(t string) string {
		if keep(t) {
			return t
		}
		return "<TIME-HUMAN>"
	})
	s = reTimeRFC.ReplaceAllStringFunc(s, func(t string) string {
		if keep(t) {
			return t
		}
		return "<TIME>"
	})
	s = reNext.ReplaceAllString(s, "${1}<CURSOR>")
	s = reFeedCursor.ReplaceAllString(s, "${1}<FEED-CURSOR>${2}") // sealed: random nonce
	return reBackoff.ReplaceAllString(s, "reconnecting in <PAUSE>")
}

// reFeedCursor is a sealed feed cursor (feeds.CursorCodec: version byte 2,
// so base64url "A…", 50 characters).
var reFeedCursor = regexp.MustCompile(`(^|[^A-Za-z0-9_-])A[A-Za-z0-9_-]{49}([^A-Za-z0-9_-]|$)`)

// transcript is what one command printed, in the golden files' form.
func transcript(args []string, code int, stdout, stderr string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return fmt.Sprintf("$ jag %s\n--- exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(quoted, " "), code, stdout, stderr)
}

// check compares got with testdata/golden/name (or rewrites it).
func (g *golden) check(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the real output (run with -update if the change is intended)\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// modes are the two ways a command's stdout can be connected.
var modes = []struct {
	name string
	tty  bool
}{{"tty", true}, {"pipe", false}}

// cmd runs args in each mode and checks the transcripts.
func (g *golden) cmd(t *testing.T, name, stdin string, args ...string) {
	t.Helper()
	for _, m := range modes {
		g.cmdIn(t, name+"."+m.name, m.tty, stdin, args...)
	}
}

// cmdIn runs args once, with stdout a terminal or not.
func (g *golden) cmdIn(t *testing.T, name string, tty bool, stdin string, args ...string) {
	t.Helper()
	e, out, errb := testEnv(g.vars)
	e.tty = tty
	e.stdin = strings.NewReader(stdin)
	code := run(context.Background(), e, args)
	g.check(t, name, g.normalise(transcript(args, code, out.String(), errb.String())))
}

func TestGolden(t *testing.T) {
	t.Parallel()
	g := newGolden(t)
	db := "--database-url=" + g.w.dbURL

	t.Run("lookup", func(t *testing.T) {
		g.cmd(t, "lookup-cidr", "", "lookup", "192.0.2.7")
		g.cmd(t, "lookup-many", "# watchlist\n192.0.2.7\nwww.evil.example\n"+gSHA256+"\n198.51.100.1\nnot a value\n", "lookup")
		g.cmdIn(t, "lookup-table.pipe", false, "", "lookup", "--output", "table", "192.0.2.7", "login.evil.example")
		g.cmdIn(t, "lookup-json.pipe", false, "", "lookup", "--output", "json", "192.0.2.7", "198.51.100.1")
		g.cmdIn(t, "lookup-json-none.pipe", false, "", "lookup", "--matched", "--output", "json", "198.51.100.1")
	})
	t.Run("query", func(t *testing.T) {
		g.cmd(t, "query-page", "", "query", "--type", "indicator", "--limit", "2")
		g.cmd(t, "query-all", "", "query", "--type", "indicator", "--all")
		g.cmd(t, "query-object", "", "query", gInd1)
		g.cmd(t, "query-none", "", "query", "--label", "nothing-has-this")
		g.cmdIn(t, "query-json.pipe", false, "", "query", "--type", "indicator", "--limit", "2", "--output", "json")
		g.cmdIn(t, "query-text.tty", true, "", "query", "--type", "indicator", "--output", "text")
	})
	t.Run("admin", func(t *testing.T) {
		g.cmd(t, "participant-list", "", "participant", "list", db)
		g.cmd(t, "key-list", "", "key", "list", db)
		g.cmdIn(t, "participant-list-text.tty", true, "", "participant", "list", db, "--output", "text")
		g.cmdIn(t, "key-list-text.tty", true, "", "key", "list", db, "--output", "text", "--participant", gKR)
		g.cmdIn(t, "key-list-json.pipe", false, "", "key", "list", db, "--output", "json", "--participant", gLU)
		g.cmd(t, "key-list-unknown", "", "key", "list", db, "--participant", "identity--00000000-0000-4000-8000-000000000000")
		g.cmd(t, "key-revoke-unknown", "", "key", "revoke", db, "--kid", "nope")
		pub, err := json.Marshal(seededKey(t, 7).Public())
		if err != nil {
			t.Fatal(err)
		}
		g.cmd(t, "key-add-unknown-participant", "", "key", "add", db, "--participant", "identity--00000000-0000-4000-8000-000000000000",
			"--jwk", g.file("new.pub.jwk", string(pub)))
		g.cmd(t, "key-add-again", "", "key", "add", db, "--participant", gKR, "--jwk", g.file("kr.pub.jwk", mustJSON(t, g.w.keys[gKR].Public())))
		g.cmd(t, "participant-add-again", "", "participant", "add", db, "--id", gKR, "--name", "KR CERT")
		g.cmd(t, "token-issue-unknown", "", "token", "issue", db, "--org", "identity--00000000-0000-4000-8000-000000000000")
		// Adding and revoking, as an operator on a terminal and as a script.
		for i, m := range modes {
			id := fmt.Sprintf("identity--0000000%d-0000-4000-8000-00000000000%d", i+1, i+1)
			g.cmdIn(t, "participant-add."+m.name, m.tty, "", "participant", "add", db, "--id", id, "--name", "SOC "+m.name, "--country", "DE")
			jwk := seededKey(t, byte(20+i))
			g.cmdIn(t, "key-add."+m.name, m.tty, "", "key", "add", db, "--participant", id, "--jwk", g.file(m.name+".pub.jwk", mustJSON(t, jwk.Public())),
				"--not-before", "2025-06-01T00:00:00Z")
			g.cmdIn(t, "key-revoke."+m.name, m.tty, "", "key", "revoke", db, "--kid", jwk.KeyID)
		}
		g.cmdIn(t, "participant-help.tty", true, "", "participant", "-h")
		g.cmdIn(t, "participant-missing.tty", true, "", "participant")
		g.cmdIn(t, "key-help.tty", true, "", "key", "--help")
		g.cmdIn(t, "token-help.tty", true, "", "token", "help")
		g.cmdIn(t, "keygen-help.tty", true, "", "keygen", "-h")
		g.cmdIn(t, "keygen-bad-alg.tty", true, "", "keygen", "--alg", "HS256", "--out", filepath.Join(g.dir, "x.jwk"))
	})
	t.Run("validate-verify-sign", func(t *testing.T) {
		valid := g.file("unsigned.json", goldenBundle("aaaaaaaa-0000-4000-8000-000000000001",
			goldenIndicator(gKR, gInd4, "Beacon", "[ipv4-addr:value = '203.0.113.9']", stix.TLPAmberID)))
		g.cmd(t, "validate-valid", "", "validate", valid)
		var bad []string
		for i := range 25 {
			bad = append(bad, goldenIndicator(gKR, fmt.Sprintf("indicator--00000000-0000-4000-8000-0000000000%02d", i), "Bad", "[ipv4-addr:value = ]", ""))
		}
		invalid := g.file("invalid.json", goldenBundle("aaaaaaaa-0000-4000-8000-000000000002", bad...))
		g.cmd(t, "validate-invalid", "", "validate", invalid)
		stix20 := g.file("stix20.json", `{"type":"bundle","id":"bundle--aaaaaaaa-0000-4000-8000-000000000003","spec_version":"2.0","objects":[`+
			`{"type":"indicator","id":"`+gInd5+`","created":"2025-06-01T00:00:00.000Z","modified":"2025-06-01T00:00:00.000Z",`+
			`"labels":["malicious-activity"],"pattern":"[ipv4-addr:value = '203.0.113.10']","valid_from":"2025-06-01T00:00:00Z"}]}`)
		g.cmd(t, "validate-stix20", "", "validate", stix20)

		priv, err := json.Marshal(g.w.keys[gKR])
		if err != nil {
			t.Fatal(err)
		}
		keyFile := g.file("kr.jwk", string(priv))
		g.cmd(t, "sign-stix20", "", "sign", "--key", keyFile, "--as", gKR, stix20)
		creatorless := g.file("creatorless.json", goldenBundle("aaaaaaaa-0000-4000-8000-000000000004",
			strings.Replace(goldenIndicator(gKR, gInd5, "No creator", "[ipv4-addr:value = '203.0.113.10']", ""), `"created_by_ref":"`+gKR+`",`, "", 1)))
		g.cmd(t, "sign-creatorless", "", "sign", "--key", keyFile, creatorless)

		signed := g.file("signed.json", goldenBundle("aaaaaaaa-0000-4000-8000-000000000005",
			g.w.sign(gKR, goldenIndicator(gKR, gInd4, "Beacon", "[ipv4-addr:value = '203.0.113.9']", stix.TLPAmberID)),
			g.w.sign(gKR, goldenIndicator(gKR, gInd5, "Beacon 2", "[ipv4-addr:value = '203.0.113.10']", "")),
		))
		keys, err := g.w.db.ParticipantKeys(context.Background(), gKR)
		if err != nil {
			t.Fatal(err)
		}
		jwks, err := auth.MarshalJWKS(keys)
		if err != nil {
			t.Fatal(err)
		}
		jwksFile := g.file("kr.jwks", string(jwks))
		g.cmd(t, "verify-ok", "", "verify", "--jwks", jwksFile, signed)
		tampered := g.file("tampered.json", strings.Replace(mustRead(t, signed), `"name":"Beacon 2"`, `"name":"Beacon 3"`, 1))
		g.cmd(t, "verify-tampered", "", "verify", "--jwks", jwksFile, tampered)
		g.cmdIn(t, "verify-json.pipe", false, "", "verify", "--output", "json", "--jwks", jwksFile, tampered)
		g.cmdIn(t, "validate-jsonl.pipe", false, "", "validate", "--output", "jsonl", stix20)
		g.cmdIn(t, "validate-table.tty", true, "", "validate", "--output", "table", stix20)
		pub, err := json.Marshal(g.w.keys[gKR].Public())
		if err != nil {
			t.Fatal(err)
		}
		plain := g.file("plain.jwks", `{"keys":[`+string(pub)+`]}`)
		g.cmd(t, "verify-nameless-keys", "", "verify", "--jwks", plain, signed)
	})
	t.Run("provenance", func(t *testing.T) {
		g.cmd(t, "provenance-own", "", "provenance", gInd1)
		g.cmd(t, "provenance-other", "", "provenance", gInd2)
		g.cmdIn(t, "provenance-raw.tty", true, "", "provenance", "--signature", "--raw", gInd3)
		// Pinned keys that are not the signer's, nor the hub's: both
		// local checks fail and say so, whatever the hub claims.
		luKeys, err := g.w.db.ParticipantKeys(context.Background(), gLU)
		if err != nil {
			t.Fatal(err)
		}
		luJWKS, err := auth.MarshalJWKS(luKeys)
		if err != nil {
			t.Fatal(err)
		}
		wrong := g.file("lu.jwks", string(luJWKS))
		g.cmd(t, "provenance-wrong-signer-keys", "", "provenance", "--signer-jwks", wrong, gInd1)
		g.cmd(t, "provenance-wrong-hub-keys", "", "provenance", "--hub-jwks", wrong, gInd1)
		g.cmdIn(t, "provenance-no-verify.tty", true, "", "provenance", "--no-verify", gInd1)
	})
	t.Run("submit", func(t *testing.T) {
		for i, m := range modes {
			id := fmt.Sprintf("indicator--66666666-6666-4666-8666-00000000000%d", i)
			b := g.file("submit-"+m.name+".json", goldenBundle(fmt.Sprintf("aaaaaaaa-0000-4000-8000-00000000010%d", i),
				g.w.sign(gKR, goldenIndicator(gKR, id, "Submitted "+m.name, fmt.Sprintf("[domain-name:value = '%s.submit.example']", m.name), stix.TLPGreenID))))
			g.cmdIn(t, "submit-new."+m.name, m.tty, "", "submit", "--receipt", filepath.Join(g.dir, "receipt-"+m.name+".json"), b)
			if data := mustRead(t, filepath.Join(g.dir, "receipt-"+m.name+".json")); !strings.Contains(data, `"receipt":"eyJ`) {
				t.Fatalf("--receipt file holds %s", data)
			}
			g.cmdIn(t, "submit-again."+m.name, m.tty, "", "submit", b)
		}
		unsigned := g.file("submit-unsigned.json", goldenBundle("aaaaaaaa-0000-4000-8000-000000000200",
			goldenIndicator(gKR, "indicator--77777777-7777-4777-8777-777777777777", "Unsigned", "[ipv4-addr:value = '203.0.113.77']", "")))
		g.cmd(t, "submit-unsigned", "", "submit", unsigned)
	})
	t.Run("no database internals", func(t *testing.T) {
		// Point 6 of issue 11: what people read never shows a driver's
		// message or a constraint name.
		files, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("golden files: %v %v", files, err)
		}
		for _, f := range files {
			text := mustRead(t, f)
			for _, bad := range []string{"sql: ", "pq: ", "_pkey", "_fkey", "violates", "SQLSTATE"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s shows %q", f, bad)
				}
			}
		}
	})
	t.Run("subscribe", func(t *testing.T) {
		// Five events are stored: three fixtures and two submissions.
		for _, m := range modes {
			g.subscribe(t, "subscribe-replay."+m.name, m.tty, 5, "subscribe", "--cursor-file", g.file("cursor-"+m.name, feeds.EncodeCursor(0)+"\n"), "--types", "indicator")
			g.subscribe(t, "subscribe-watch."+m.name, m.tty, 2, "subscribe", "--cursor-file", g.file("cursor-watch-"+m.name, feeds.EncodeCursor(0)+"\n"), "--watch", "192.0.2.200,www.evil.example")
		}
	})
}

// subscribe runs `jag subscribe` until it printed events lines, stops it
// as Ctrl-C would, and checks the transcript.
func (g *golden) subscribe(t *testing.T, name string, tty bool, events int, args ...string) {
	t.Helper()
	e, out, errb := testEnv(g.vars)
	e.tty = tty
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, args) }()
	waitUntil(t, func() bool { return strings.Count(out.String(), "\n") >= events })
	// Any event beyond the expected ones would arrive with them; give a
	// wrong count a moment to show.
	time.Sleep(200 * time.Millisecond)
	cancel()
	code := <-done
	g.check(t, name, g.normalise(transcript(args, code, out.String(), errb.String())))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
