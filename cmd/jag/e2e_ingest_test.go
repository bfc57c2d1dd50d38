package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jag-hub/jag/hub/postgres/cluster"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// End-to-end tests of POST /v1/bundles through the real `jag serve` binary
// and PostgreSQL: every status and code of API.md section 3, the JSON and
// STIX rows of RELIABILITY.md, kill -9 during a stream of submissions, and
// one bundle posted concurrently to three replicas.

func TestIngestEndToEnd(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	A, B := e2eOrgA, e2eOrgB

	// A first version of an object of B, stored by B.
	ofB := w.signedIndicator(B, "b.example")
	if a := w.post(p.URL, "b", stixContentType, []byte(w.bundle(ofB))); a.Status != 201 {
		t.Fatalf("setup: %d %s", a.Status, a.Raw)
	}
	stored := w.signedIndicator(A, "stored.example")
	if a := w.post(p.URL, "a", stixContentType, []byte(w.bundle(stored))); a.Status != 201 {
		t.Fatalf("setup: %d %s", a.Status, a.Raw)
	}

	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	tests := []struct {
		name   string
		token  string
		ctype  string
		body   string
		status int
		code   string
		items  int // errors[] entries naming object and pointer; -1 = not checked
	}{
		{"401 without token", "", stixContentType, w.bundle(w.signedIndicator(A, "x1.example")), 401, "unauthorized", -1},
		{"403 without submit scope", "a-read", stixContentType, w.bundle(w.signedIndicator(A, "x2.example")), 403, "forbidden", -1},
		{"403 token without org", "community", stixContentType, w.bundle(w.signedIndicator(A, "x3.example")), 403, "forbidden", -1},
		{"415 media type", "a", "text/plain", w.bundle(w.signedIndicator(A, "x4.example")), 415, "unsupported_media_type", -1},
		{"400 truncated JSON", "a", stixContentType, w.bundle(w.signedIndicator(A, "x5.example"))[:100], 400, "invalid_json", -1},
		{"400 trailing data", "a", stixContentType, w.bundle(w.signedIndicator(A, "x6.example")) + " {}", 400, "invalid_json", -1},
		{"400 two concatenated values", "a", stixContentType, w.bundle() + w.bundle(), 400, "invalid_json", -1},
		{"400 case-variant keys", "a", stixContentType, `{"type":"bundle","TYPE":"bundle","id":"bundle--` + w.uuid() + `","objects":[]}`, 400, "invalid_json", -1},
		{"400 duplicate keys", "a", stixContentType, `{"type":"bundle","type":"bundle"}`, 400, "invalid_json", -1},
		{"400 invalid UTF-8", "a", stixContentType, `{"type":"bundle","id":"bundle--` + w.uuid() + "\",\"x_n\":\"\xff\xfe\"}", 400, "invalid_json", -1},
		{"400 lone surrogate", "a", stixContentType, `{"type":"bundle","x_n":"\ud800"}`, 400, "invalid_json", -1},
		{"400 or 413 nesting 10000 deep", "a", stixContentType, `{"type":"bundle","x_n":` + deep + `}`, -413, "", -1},
		{"413 million-element array", "a", stixContentType, `{"type":"bundle","x_n":[` + strings.Repeat("0,", 999999) + `0]}`, 413, "too_large", -1},
		{"413 body over the limit", "a", stixContentType, `{"type":"bundle","x_n":"` + strings.Repeat("a", 17<<20) + `"}`, 413, "too_large", -1},
		{"422 NUL in a string", "a", stixContentType, w.bundle(w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'n.example']", `,"name":"a\u0000b"`))), 422, "invalid_object", 1},
		{"422 leap second", "a", stixContentType, w.bundle(w.sign(A, strings.Replace(w.indicatorJSON(A, "[domain-name:value = 'l.example']", ""), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-01-01T23:59:60.000Z"`, 1))), 422, "invalid_object", 1},
		{"422 lower-case t and z", "a", stixContentType, w.bundle(w.sign(A, strings.Replace(w.indicatorJSON(A, "[domain-name:value = 'l2.example']", ""), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-01-01t00:00:00.000z"`, 1))), 422, "invalid_object", 1},
		{"422 offset timestamp", "a", stixContentType, w.bundle(w.sign(A, strings.Replace(w.indicatorJSON(A, "[domain-name:value = 'l3.example']", ""), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-01-01T01:00:00.000+01:00"`, 1))), 422, "invalid_object", 1},
		{"422 ten fraction digits", "a", stixContentType, w.bundle(w.sign(A, strings.Replace(w.indicatorJSON(A, "[domain-name:value = 'l4.example']", ""), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2026-01-01T00:00:00.0000000001Z"`, 1))), 422, "invalid_object", 1},
		{"422 modified before created", "a", stixContentType, w.bundle(w.sign(A, strings.Replace(w.indicatorJSON(A, "[domain-name:value = 'l5.example']", ""), `"modified":"2026-01-01T00:00:00.000Z"`, `"modified":"2025-01-01T00:00:00.000Z"`, 1))), 422, "invalid_object", 1},
		{"422 invalid patterns, one entry each", "a", stixContentType, w.bundle(w.sign(A, w.indicatorJSON(A, "[domain-name:value = ", "")), w.sign(A, w.indicatorJSON(A, strings.Repeat("(", 10000)+"[a:b = 'c']"+strings.Repeat(")", 10000), ""))), 422, "invalid_pattern", 2},
		{"422 one-megabyte pattern", "a", stixContentType, w.bundle(w.sign(A, w.indicatorJSON(A, "[domain-name:value = '"+strings.Repeat("a", 1000000)+"']", ""))), 422, "invalid_pattern", 1},
		{"422 object and pattern problems", "a", stixContentType, w.bundle(w.sign(A, w.indicatorJSON(A, "[", `,"confidence":101`))), 422, "invalid_object", 2},
		{"422 TLP marking id with altered content", "a", stixContentType, w.bundle(`{"type":"marking-definition","spec_version":"2.1","id":"`+stix.TLPClearID+`","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}`, w.signedIndicator(A, "m.example")), 422, "invalid_object", -1},
		{"422 TLP:RED without recipients", "a", stixContentType, w.bundle(w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'red.example']", `,"object_marking_refs":["`+stix.TLPRedID+`"]`))), 422, "invalid_object", 1},
		{"400 unsigned object", "a", stixContentType, w.bundle(w.signedIndicator(A, "s1.example"), w.indicatorJSON(A, "[domain-name:value = 's2.example']", "")), 400, "invalid_signature", 1},
		{"400 tampered object", "a", stixContentType, w.bundle(strings.Replace(w.signedIndicator(A, "s3.example"), "s3.example", "s4.example", 1)), 400, "invalid_signature", 1},
		{"403 signed by another participant", "a", stixContentType, w.bundle(w.sign(B, w.indicatorJSON(A, "[domain-name:value = 's5.example']", ""))), 403, "signer_mismatch", 1},
		{"403 created_by_ref names another org", "a", stixContentType, w.bundle(w.sign(A, w.indicatorJSON(B, "[domain-name:value = 's6.example']", ""))), 403, "signer_mismatch", 1},
		// Another org's ids are another lineage (README "Decisions",
		// e2e_hostile_ingest_test.go); registered participants' identities
		// are reserved to them.
		{"403 another participant's identity", "a", stixContentType, w.bundle(w.signedIndicator(A, "ok.example"), w.sign(A, `{"type":"identity","spec_version":"2.1","id":"`+B+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"`+A+`","name":"B","identity_class":"organization"}`)), 403, "forbidden", 1},
		{"409 same id and modified, different content", "a", stixContentType, w.bundle(w.signedIndicator(A, "ok2.example"), w.sign(A, strings.Replace(stored, "stored.example", "changed.example", 1))), 409, "conflict", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := w.counts()
			start := time.Now()
			a := w.post(p.URL, tc.token, tc.ctype, []byte(tc.body))
			elapsed := time.Since(start)
			switch {
			case tc.status == -413:
				if a.Status != 400 && a.Status != 413 {
					t.Fatalf("status %d, want 400 or 413: %s", a.Status, a.Raw)
				}
			case a.Status != tc.status:
				t.Fatalf("status %d, want %d: %.500s", a.Status, tc.status, a.Raw)
			}
			if tc.code != "" && a.Body["code"] != tc.code {
				t.Fatalf("code %v, want %s: %.500s", a.Body["code"], tc.code, a.Raw)
			}
			if ct := a.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			if elapsed > 5*time.Second {
				t.Errorf("answered in %s; hostile input must fail fast", elapsed)
			}
			if tc.items >= 0 {
				items := a.items()
				if len(items) != tc.items {
					t.Fatalf("%d errors[] entries, want %d: %.800s", len(items), tc.items, a.Raw)
				}
				for _, it := range items {
					obj, _ := it["object"].(string)
					ptr, _ := it["pointer"].(string)
					if !strings.Contains(obj, "--") || !strings.HasPrefix(ptr, "/objects/") || it["message"] == "" {
						t.Errorf("entry must name the object, a pointer and a message: %v", it)
					}
				}
			}
			if after := w.counts(); after != before {
				t.Fatalf("rows changed from %+v to %+v by a refused submission", before, after)
			}
		})
	}

	t.Run("401 bad token", func(t *testing.T) {
		w.tokens["forged"] = strings.Repeat("e", 20) + "." + strings.Repeat("e", 20) + "." + strings.Repeat("e", 20)
		before := w.counts()
		if a := w.post(p.URL, "forged", stixContentType, []byte(w.bundle(w.signedIndicator(A, "f.example")))); a.Status != 401 || a.Body["code"] != "unauthorized" {
			t.Fatalf("%d %s", a.Status, a.Raw)
		}
		if after := w.counts(); after != before {
			t.Fatalf("rows changed from %+v to %+v", before, after)
		}
	})

	t.Run("201 then 200 with the same receipt", func(t *testing.T) {
		xss := w.sign(A, w.indicatorJSON(A, "[url:value = 'javascript:alert(1)'] OR [ipv4-addr:value ISSUBSET '198.51.100.0/24']", `,"name":"<script>alert(1)</script>"`))
		body := []byte(w.bundle(xss, w.signedIndicator(A, "new.example")))
		before := w.counts()
		first := w.post(p.URL, "a", stixContentType, body)
		if first.Status != 201 || first.Body["accepted"] != 2.0 || first.Body["duplicates"] != 0.0 {
			t.Fatalf("first: %d %s", first.Status, first.Raw)
		}
		after := w.counts()
		if after.objects != before.objects+2 || after.events != before.events+2 || after.submissions != before.submissions+1 || after.observables != before.observables+2 {
			t.Fatalf("rows %+v after %+v", after, before)
		}
		again := w.post(p.URL, "a", "application/json", body)
		if again.Status != 200 || again.Body["receipt"] != first.Body["receipt"] || again.Body["submission"] != first.Body["submission"] {
			t.Fatalf("retry: %d %s, want 200 with receipt of %s", again.Status, again.Raw, first.Raw)
		}
		if w.counts() != after {
			t.Fatal("a retry wrote rows")
		}
		// The exact bytes are stored (XSS is data, never rendered).
		var raw []byte
		var o struct{ ID string }
		_ = json.Unmarshal([]byte(xss), &o)
		if err := w.db.SQLX().QueryRow(`SELECT raw FROM objects WHERE id = $1`, o.ID).Scan(&raw); err != nil || string(raw) != xss {
			t.Fatalf("stored bytes differ: %v", err)
		}
		// GET /v1/submissions/{id}: own org only.
		for tok, want := range map[string]int{"a-read": 200, "b": 404} {
			req, _ := http.NewRequest(http.MethodGet, p.URL+"/v1/submissions/"+first.Body["submission"].(string), nil)
			req.Header.Set("Authorization", "Bearer "+w.tokens[tok])
			resp, err := e2eClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want || (want == 200 && (!strings.Contains(string(got), first.Body["receipt"].(string)) ||
				!strings.Contains(string(got), `"received":"`+first.Body["received"].(string)+`"`))) {
				t.Fatalf("GET submission with %s: %d %s", tok, resp.StatusCode, got)
			}
		}
	})

	// Last: it revokes org A's key. Both replicas refuse the key on their
	// next request, and nothing is stored.
	t.Run("400 revoked key on every replica", func(t *testing.T) {
		p2 := startServe(t, w.dbURL)
		signed := w.signedIndicator(A, "revoked.example")
		if _, err := w.db.RevokeKey(context.Background(), w.keys[A].KeyID, time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		before := w.counts()
		for _, base := range []string{p.URL, p2.URL} {
			a := w.post(base, "a", stixContentType, []byte(w.bundle(signed)))
			if a.Status != 400 || a.Body["code"] != "invalid_signature" {
				t.Fatalf("%s: %d %s", base, a.Status, a.Raw)
			}
		}
		if after := w.counts(); after != before {
			t.Fatalf("rows changed from %+v to %+v", before, after)
		}
	})
}

func TestIngestRegexIsHarmless(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	A := e2eOrgA
	t.Run("harmless regex accepted fast", func(t *testing.T) {
		start := time.Now()
		a := w.post(p.URL, "a", stixContentType, []byte(w.bundle(w.sign(A, w.indicatorJSON(A, "[file:name MATCHES '(a+)+$']", "")))))
		if (a.Status != 201 && a.Status != 422) || time.Since(start) > 5*time.Second {
			t.Fatalf("%d in %s: %s", a.Status, time.Since(start), a.Raw)
		}
	})
}

// TestIngestUnavailable stops the database under a running hub: 503 with
// Retry-After and nothing written; after the database is back the same
// hub stores the bundle without a restart.
func TestIngestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "jag503")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Start(ctx, dir, cluster.Options{NoSync: true, StopWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if err := c.CreateDatabase(ctx, "jag"); err != nil {
		t.Fatal(err)
	}
	w := newIngestWorld(t, c.URL("jag"))
	p := startServe(t, w.dbURL)
	if a := w.post(p.URL, "a", stixContentType, []byte(w.bundle(w.signedIndicator(e2eOrgA, "before.example")))); a.Status != 201 {
		t.Fatalf("before the outage: %d %s", a.Status, a.Raw)
	}
	before := w.counts()

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	body := []byte(w.bundle(w.signedIndicator(e2eOrgA, "during.example")))
	for range 3 {
		a := w.post(p.URL, "a", stixContentType, body)
		if a.Status != 503 || a.Body["code"] != "unavailable" || a.Header.Get("Retry-After") == "" {
			t.Fatalf("database down: %d %s (Retry-After %q)", a.Status, a.Raw, a.Header.Get("Retry-After"))
		}
	}

	// `jag submit` retries through the outage on its own.
	file := dir + "/bundle.json"
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv(map[string]string{"JAG_SERVER": p.URL, "JAG_TOKEN": w.tokens["a"]})
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, e, []string{"submit", "--attempts", "30", file}) }()
	time.Sleep(time.Second)

	c, err = cluster.Start(ctx, dir, cluster.Options{NoSync: true, StopWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("jag submit exit %d: %s", code, errb.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("jag submit did not finish after the outage: %s", errb.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil || got["accepted"] != 1.0 || got["receipt"] == "" {
		t.Fatalf("jag submit printed %q (%v)", out.String(), err)
	}
	if !strings.Contains(errb.String(), "retrying") {
		t.Fatalf("jag submit did not retry: %q", errb.String())
	}
	if after := w.counts(); after.objects != before.objects+1 || after.submissions != before.submissions+1 {
		t.Fatalf("rows %+v after the outage, want one more object than %+v", after, before)
	}
	// Its retry is idempotent: 200 with the same receipt.
	if a := w.post(p.URL, "a", stixContentType, body); a.Status != 200 || a.Body["receipt"] != got["receipt"] {
		t.Fatalf("retry after the outage: %d %s", a.Status, a.Raw)
	}
}

// TestIngestSurvivesKill kills the hub (kill -9) while several clients
// submit: every acknowledged submission is complete after a restart on the
// same database, no bundle is partially stored, and retrying the
// unacknowledged ones is safe.
func TestIngestSurvivesKill(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)

	type sent struct {
		body  []byte
		ids   []string
		acked string // submission id when a 2xx answer arrived
	}
	const clients, perBundle = 4, 40
	var mu sync.Mutex
	var all []*sent
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := &sent{}
				objs := make([]string, perBundle)
				for i := range objs {
					objs[i] = w.signedIndicator(e2eOrgA, fmt.Sprintf("k%d.example", w.seq.Add(1)))
					var o struct{ ID string }
					_ = json.Unmarshal([]byte(objs[i]), &o)
					s.ids = append(s.ids, o.ID)
				}
				s.body = []byte(w.bundle(objs...))
				mu.Lock()
				all = append(all, s)
				mu.Unlock()
				a, err := w.tryPost(p.URL, "a", stixContentType, s.body)
				if err != nil {
					return // the hub is gone
				}
				if a.Status == 201 {
					mu.Lock()
					s.acked, _ = a.Body["submission"].(string)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once some submissions were acknowledged, while the clients
	// have more in flight: a condition, not a fixed delay, so the test
	// proves the same on a loaded machine.
	ackedSoFar := func() (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range all {
			if s.acked != "" {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(60 * time.Second); ackedSoFar() < clients && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	p.Kill()
	close(stop)
	wg.Wait()

	p2 := startServe(t, w.dbURL)
	acked := 0
	for _, s := range all {
		var n int
		if err := w.db.SQLX().Get(&n, `SELECT count(*) FROM objects WHERE id = ANY($1)`, pq.Array(s.ids)); err != nil {
			t.Fatal(err)
		}
		if s.acked != "" {
			acked++
			var accepted int
			if err := w.db.SQLX().Get(&accepted, `SELECT accepted FROM submissions WHERE id = $1`, s.acked); err != nil {
				t.Fatalf("acknowledged submission %s lost: %v", s.acked, err)
			}
			if n != perBundle || accepted != perBundle {
				t.Fatalf("acknowledged submission %s has %d of %d objects (accepted %d)", s.acked, n, perBundle, accepted)
			}
		}
		if n != 0 && n != perBundle {
			t.Fatalf("partial bundle: %d of %d objects stored", n, perBundle)
		}
		// Retrying is safe whatever happened: stored → 200, else 201.
		a := w.post(p2.URL, "a", stixContentType, s.body)
		if (n == perBundle && a.Status != 200) || (n == 0 && a.Status != 201) {
			t.Fatalf("retry of a bundle with %d objects stored: %d %s", n, a.Status, a.Raw)
		}
	}
	if acked == 0 {
		t.Fatal("no submission was acknowledged before the kill; the test proved nothing")
	}
	c := w.counts()
	if c.objects != len(all)*perBundle || c.events != c.objects {
		t.Fatalf("after retries: %+v for %d bundles of %d", c, len(all), perBundle)
	}
	t.Logf("%d bundles sent, %d acknowledged before kill -9", len(all), acked)
}

// TestIngestConcurrentReplicas posts one bundle 100 times at once to three
// replicas: one version and one event per object, one submission, and
// every answer carries the same receipt.
func TestIngestConcurrentReplicas(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	replicas := startReplicas(t, 3, w.dbURL)
	var wg sync.WaitGroup
	objs := make([]string, 20)
	for i := range objs {
		objs[i] = w.signedIndicator(e2eOrgA, fmt.Sprintf("c%d.example", i))
	}
	body := []byte(w.bundle(objs...))
	answers := make([]answer, 100)
	errs := make([]error, 100)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = w.tryPost(replicas[i%3].URL, "a", stixContentType, body)
		}()
	}
	wg.Wait()
	created := 0
	for i, a := range answers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch a.Status {
		case 201:
			created++
		case 200:
		default:
			t.Fatalf("answer %d: %d %s", i, a.Status, a.Raw)
		}
		if a.Body["receipt"] != answers[0].Body["receipt"] {
			t.Fatalf("answers carry different receipts:\n%s\n%s", answers[0].Raw, a.Raw)
		}
	}
	if created != 1 {
		t.Fatalf("%d answers were 201, want exactly 1", created)
	}
	if c := w.counts(); c.objects != 20 || c.events != 20 || c.submissions != 1 {
		t.Fatalf("rows %+v, want 20 objects, 20 events, 1 submission", c)
	}
}
