package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// End-to-end tests of the read API (objects, history search, lookup,
// provenance) and of `jag query` / `jag lookup`, through the real `jag
// serve` binary, real signed submissions and PostgreSQL.

var e2eSHA256 = strings.Repeat("c0ffee", 10) + "abcd"

func TestQueryEndToEnd(t *testing.T) {
	t.Parallel()
	w := newWorld(t, pgtest.URL(t), e2eOrgA, e2eOrgB, e2eOrgC)
	p := startServe(t, w.dbURL)
	A, B := e2eOrgA, e2eOrgB
	ind1, ind2, ind3 := w.id("indicator"), w.id("indicator"), w.id("indicator")
	v1 := w.sign(A, indicatorOf(A, ind1, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'one.example'] OR [ipv4-addr:value = '198.51.100.7']", marking(stix.TLPGreenID)))
	v2 := w.sign(A, indicatorOf(A, ind1, "2026-01-02T00:00:00.000Z", "[domain-name:value = 'one.example']", marking(stix.TLPGreenID)+`,"name":"Pegasus <C2>"`))
	red := w.sign(A, indicatorOf(A, ind2, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'secret.example']", marking(stix.TLPRedID)), A)
	amber := w.sign(B, indicatorOf(B, ind3, "2026-01-01T00:00:00.000Z",
		"[ipv4-addr:value ISSUBSET '203.0.113.0/24'] OR [file:hashes.'SHA-256' = '"+e2eSHA256+"']", marking(stix.TLPAmberID)))
	w.submit(p.URL, A, v1, red)
	w.submit(p.URL, B, amber)
	w.submit(p.URL, A, v2)

	tokA := w.token(A, auth.TierMember, "read")
	tokB := w.token(B, auth.TierMember, "read")
	tokCommunity := w.token(e2eOrgC, auth.TierCommunity, "read")
	tokSubmitOnly := w.token(B, auth.TierMember, "submit")
	missing := w.id("indicator")
	obj := func(id string) string { return p.URL + "/v1/objects/" + id }

	// A hidden object answers byte for byte like a missing one.
	notFound := hubGet(t, obj(missing), tokB)
	if notFound.Status != 404 || notFound.code() != "not_found" {
		t.Fatalf("missing object: %d %s", notFound.Status, notFound.Raw)
	}

	tests := []struct {
		name   string
		method string
		url    string
		token  string
		body   string
		status int
		code   string
		want   string // exact body, when set
	}{
		{"object latest", "GET", obj(ind1), tokB, "", 200, "", v2 + "\n"},
		{"object version", "GET", obj(ind1) + "?version=2026-01-01T00:00:00.000Z", tokB, "", 200, "", v1 + "\n"},
		{"object all versions", "GET", obj(ind1) + "?version=all", tokB, "", 200, "", `{"objects":[` + v1 + "," + v2 + "]}\n"},
		{"object red to recipient", "GET", obj(ind2), tokA, "", 200, "", red + "\n"},
		{"object hidden", "GET", obj(ind2), tokB, "", 404, "not_found", string(notFound.Raw)},
		{"object hidden version", "GET", obj(ind2) + "?version=2026-01-01T00:00:00.000Z", tokB, "", 404, "not_found", string(notFound.Raw)},
		{"object hidden all", "GET", obj(ind2) + "?version=all", tokB, "", 404, "not_found", string(notFound.Raw)},
		{"object amber hidden from community", "GET", obj(ind3), tokCommunity, "", 404, "not_found", string(notFound.Raw)},
		{"object absent version", "GET", obj(ind1) + "?version=2026-01-03T00:00:00.000Z", tokB, "", 404, "not_found", string(notFound.Raw)},
		{"object bad id", "GET", obj("indicator--nope"), tokB, "", 400, "bad_request", ""},
		{"object bad version", "GET", obj(ind1) + "?version=yesterday", tokB, "", 400, "bad_request", ""},
		{"object no token", "GET", obj(ind1), "", "", 401, "unauthorized", ""},
		{"object bad token", "GET", obj(ind1), "not.a.token", "", 401, "unauthorized", ""},
		{"object token in query", "GET", obj(ind1) + "?access_token=" + tokB, "", "", 401, "unauthorized", ""},
		{"object no read scope", "GET", obj(ind1), tokSubmitOnly, "", 403, "forbidden", ""},
		{"provenance hidden", "GET", obj(ind2) + "/provenance", tokB, "", 404, "not_found", string(notFound.Raw)},
		{"provenance missing", "GET", obj(missing) + "/provenance", tokB, "", 404, "not_found", string(notFound.Raw)},
		{"provenance all", "GET", obj(ind1) + "/provenance?version=all", tokB, "", 400, "bad_request", ""},
		{"provenance no token", "GET", obj(ind1) + "/provenance", "", "", 401, "unauthorized", ""},
		{"provenance no read scope", "GET", obj(ind1) + "/provenance", tokSubmitOnly, "", 403, "forbidden", ""},
		{"search by type and org", "GET", p.URL + "/v1/objects?type=indicator&created_by=" + B, tokB, "", 200, "", `{"objects":[` + amber + "]}\n"},
		{"search by observable", "GET", p.URL + "/v1/objects?observable=198.51.100.7", tokB, "", 200, "", `{"objects":[` + v1 + "]}\n"},
		{"search by text", "GET", p.URL + "/v1/objects?q=pegasus", tokB, "", 200, "", `{"objects":[` + v2 + "]}\n"},
		{"search hidden by text", "GET", p.URL + "/v1/objects?observable=secret.example", tokB, "", 200, "", `{"objects":[]}` + "\n"},
		{"search limit too big", "GET", p.URL + "/v1/objects?limit=1001", tokB, "", 400, "bad_request", ""},
		{"search bad cursor", "GET", p.URL + "/v1/objects?next=bm9wZQ", tokB, "", 400, "bad_request", ""},
		{"search unknown filter", "GET", p.URL + "/v1/objects?colour=red", tokB, "", 400, "bad_request", ""},
		{"search no token", "GET", p.URL + "/v1/objects", "", "", 401, "unauthorized", ""},
		{"search no read scope", "GET", p.URL + "/v1/objects", tokSubmitOnly, "", 403, "forbidden", ""},
		{"lookup no value", "GET", p.URL + "/v1/lookup", tokB, "", 400, "bad_request", ""},
		{"lookup unrecognised", "GET", p.URL + "/v1/lookup?value=" + url.QueryEscape("not a value"), tokB, "", 400, "bad_request", ""},
		{"lookup no token", "GET", p.URL + "/v1/lookup?value=one.example", "", "", 401, "unauthorized", ""},
		{"lookup no read scope", "GET", p.URL + "/v1/lookup?value=one.example", tokSubmitOnly, "", 403, "forbidden", ""},
		{"lookup batch not JSON", "POST", p.URL + "/v1/lookup", tokB, `{"values":`, 400, "invalid_json", ""},
		{"lookup batch empty", "POST", p.URL + "/v1/lookup", tokB, `{"values":[]}`, 400, "bad_request", ""},
		{"lookup batch too many", "POST", p.URL + "/v1/lookup", tokB, `{"values":[` + strings.Repeat(`"a.example",`, 10000) + `"a.example"]}`, 413, "too_large", ""},
		{"lookup batch no token", "POST", p.URL + "/v1/lookup", "", `{"values":["a.example"]}`, 401, "unauthorized", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := hubDo(t, tc.method, tc.url, tc.token, "application/json", tc.body)
			if r.Status != tc.status || r.code() != tc.code {
				t.Fatalf("%d %q, want %d %q: %s", r.Status, r.code(), tc.status, tc.code, r.Raw)
			}
			if tc.want != "" && string(r.Raw) != tc.want {
				t.Fatalf("body\n%s\nwant\n%s", r.Raw, tc.want)
			}
		})
	}

	t.Run("lookup matches", func(t *testing.T) {
		for _, tc := range []struct {
			value, token string
			want         string // "id match" or "" for no match
		}{
			{"198.51.100.7", tokB, ""}, // only the superseded version named it
			{"203.0.113.77", tokB, ind3 + " cidr"},
			{"203.0.113.0/24", tokB, ind3 + " exact"},
			{"www.ONE.example", tokB, ind1 + " parent_domain"},
			{"one.example", tokB, ind1 + " exact"},
			{strings.ToUpper(e2eSHA256), tokB, ind3 + " exact"},
			{"secret.example", tokB, ""},
			{"secret.example", tokA, ind2 + " exact"},
			{"203.0.113.77", tokCommunity, ""},
		} {
			r := hubGet(t, p.URL+"/v1/lookup?value="+url.QueryEscape(tc.value), tc.token)
			var res struct {
				Count   int
				Matches []struct {
					ID, Match string
					Object    json.RawMessage
				}
			}
			if r.Status != 200 || json.Unmarshal(r.Raw, &res) != nil {
				t.Fatalf("lookup %s: %d %s", tc.value, r.Status, r.Raw)
			}
			got := ""
			if res.Count == 1 && len(res.Matches) == 1 {
				got = res.Matches[0].ID + " " + res.Matches[0].Match
			} else if res.Count != 0 {
				got = fmt.Sprintf("%d matches", res.Count)
			}
			if got != tc.want {
				t.Errorf("lookup %s = %q, want %q: %s", tc.value, got, tc.want, r.Raw)
			}
		}
		r := hubDo(t, "POST", p.URL+"/v1/lookup", tokB, "application/json", `{"values":["one.example","nothing here","203.0.113.1","secret.example"]}`)
		var batch struct {
			Results []struct {
				Value, Error string
				Count        int
			}
		}
		if r.Status != 200 || json.Unmarshal(r.Raw, &batch) != nil || len(batch.Results) != 4 {
			t.Fatalf("batch: %d %s", r.Status, r.Raw)
		}
		counts := fmt.Sprint(batch.Results[0].Count, batch.Results[1].Count, batch.Results[2].Count, batch.Results[3].Count)
		if counts != "1 0 1 0" || batch.Results[1].Error == "" {
			t.Fatalf("batch counts %s: %s", counts, r.Raw)
		}
	})

	t.Run("search pages", func(t *testing.T) {
		var got []string
		next := ""
		late := w.sign(B, indicatorOf(B, w.id("indicator"), "2026-01-01T00:00:00.000Z", "[domain-name:value = 'late.example']", marking(stix.TLPGreenID)))
		for page := range 10 {
			if page == 1 {
				// submitted while the reader is paging: it shows up once, last
				w.submit(p.URL, B, late)
			}
			u := p.URL + "/v1/objects?limit=1"
			if next != "" {
				u += "&next=" + next
			}
			r := hubGet(t, u, tokB)
			var page struct {
				Objects []json.RawMessage
				Next    string
			}
			if r.Status != 200 || json.Unmarshal(r.Raw, &page) != nil {
				t.Fatalf("page: %d %s", r.Status, r.Raw)
			}
			for _, o := range page.Objects {
				got = append(got, string(o))
			}
			if next = page.Next; next == "" {
				break
			}
		}
		want := []string{v1, amber, v2, late} // receive order; the red one is not B's to see
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("pages gave\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("provenance", func(t *testing.T) {
		type verification struct {
			Valid bool
			Error string
		}
		type prov struct {
			ID, Modified, Raw, SHA256, Signature, KID string
			Object                                    json.RawMessage
			Signer                                    struct{ ID string }
			Submission                                struct{ ID, Receipt string }
			Verification                              struct {
				Now        verification
				AtReceived verification `json:"at_received"`
			}
		}
		get := func(token string) prov {
			t.Helper()
			r := hubGet(t, obj(ind1)+"/provenance?version=2026-01-01T00:00:00.000Z", token)
			var pv prov
			if r.Status != 200 || json.Unmarshal(r.Raw, &pv) != nil {
				t.Fatalf("provenance: %d %s", r.Status, r.Raw)
			}
			return pv
		}
		pv := get(tokA)
		raw, _ := base64.StdEncoding.DecodeString(pv.Raw)
		if string(raw) != v1 || string(pv.Object) != v1 || pv.Signer.ID != A || pv.KID != w.keys[A].KeyID || pv.Signature == "" ||
			len(pv.SHA256) != 64 || !strings.HasPrefix(pv.Submission.ID, "submission--") || pv.Submission.Receipt == "" {
			t.Fatalf("provenance = %+v", pv)
		}
		if !pv.Verification.Now.Valid || !pv.Verification.AtReceived.Valid {
			t.Fatalf("verification = %+v, want valid", pv.Verification)
		}
		// The signer's key is revoked now: a fresh check fails, the check
		// at the time of receipt still passes. B sees no receipt (it lists
		// A's whole bundle, the red object included).
		if _, err := w.db.RevokeKey(context.Background(), w.keys[A].KeyID, time.Now()); err != nil {
			t.Fatal(err)
		}
		pv = get(tokB)
		if pv.Verification.Now.Valid || !strings.Contains(pv.Verification.Now.Error, "revoked") || !pv.Verification.AtReceived.Valid {
			t.Fatalf("after revocation: verification = %+v", pv.Verification)
		}
		if pv.Submission.Receipt != "" || pv.Submission.ID == "" {
			t.Fatalf("B sees submission %+v", pv.Submission)
		}
	})
}

// A statement timeout is a fast 503 with Retry-After, and the next request
// succeeds.
func TestQueryUnavailable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, pgtest.URL(t), e2eOrgA)
	p := startServe(t, w.dbURL, "--statement-timeout", "500ms")
	tok := w.token(e2eOrgA, auth.TierMember, "read")
	lock, err := w.db.SQLX().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(`LOCK TABLE objects IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"/v1/objects", "/v1/objects/" + w.id("indicator"), "/v1/lookup?value=a.example"} {
		start := time.Now()
		r := hubGet(t, p.URL+u, tok)
		if r.Status != 503 || r.code() != "unavailable" || r.Header.Get("Retry-After") == "" || time.Since(start) > 10*time.Second {
			t.Fatalf("%s while locked: %d %s (Retry-After %q, %s)", u, r.Status, r.Raw, r.Header.Get("Retry-After"), time.Since(start))
		}
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	if r := hubGet(t, p.URL+"/v1/objects", tok); r.Status != 200 {
		t.Fatalf("after the lock: %d %s", r.Status, r.Raw)
	}
}

// jag query and jag lookup against a running hub.
func TestQueryLookupCLI(t *testing.T) {
	t.Parallel()
	w := newWorld(t, pgtest.URL(t), e2eOrgA)
	p := startServe(t, w.dbURL)
	var objs []string
	for i := range 5 {
		objs = append(objs, w.sign(e2eOrgA, indicatorOf(e2eOrgA, w.id("indicator"), "2026-01-01T00:00:00.000Z",
			fmt.Sprintf("[domain-name:value = 'h%d.cli.example']", i), marking(stix.TLPGreenID))))
	}
	w.submit(p.URL, e2eOrgA, objs...)
	tokFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokFile, []byte(w.token(e2eOrgA, auth.TierClient, "read")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"JAG_SERVER": p.URL, "JAG_TOKEN_FILE": tokFile}
	cli := func(stdin string, args ...string) (int, string, string) {
		e, out, errb := testEnv(vars)
		e.stdin = strings.NewReader(stdin)
		code := run(context.Background(), e, args)
		return code, out.String(), errb.String()
	}

	code, out, errs := cli("", "query", "--all", "--limit", "2", "--type", "indicator")
	if code != 0 || strings.Count(out, "\n") != 5 {
		t.Fatalf("query --all: exit %d, %d lines\n%s%s", code, strings.Count(out, "\n"), out, errs)
	}
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var a, b bytes.Buffer
		_ = json.Compact(&a, []byte(objs[i]))
		_ = json.Compact(&b, []byte(line))
		if a.String() != b.String() {
			t.Fatalf("line %d = %s, want %s", i, line, objs[i])
		}
	}
	code, out, _ = cli("", "query", "--limit", "2", "--format", "json")
	var doc struct {
		Objects []json.RawMessage
		Next    string
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Objects) != 2 || doc.Next == "" {
		t.Fatalf("query --format json: exit %d\n%s", code, out)
	}
	var first struct{ ID string }
	_ = json.Unmarshal([]byte(objs[0]), &first)
	if code, out, _ = cli("", "query", "--version", "all", first.ID); code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("query ID --version all: exit %d\n%s", code, out)
	}
	if code, _, errs = cli("", "query", w.id("indicator")); code != 1 || !strings.Contains(errs, "404 not_found") {
		t.Fatalf("query of a missing id: exit %d, stderr %q", code, errs)
	}

	code, out, errs = cli("", "lookup", "www.h1.cli.example")
	if code != 0 || !strings.Contains(out, `"match":"parent_domain"`) || strings.Count(out, "\n") != 1 {
		t.Fatalf("lookup one value: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cli("# watchlist\nh2.cli.example\n\nnothing.example\nh3.cli.example\n", "lookup", "--matched")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"value":"h2.cli.example"`) || !strings.Contains(out, `"value":"h3.cli.example"`) {
		t.Fatalf("lookup from stdin: exit %d\n%s%s", code, out, errs)
	}
	vars["JAG_TOKEN_FILE"] = ""
	if code, _, errs = cli("", "lookup", "h2.cli.example"); code != 1 || !strings.Contains(errs, "no access token") {
		t.Fatalf("lookup without token: exit %d, stderr %q", code, errs)
	}
}
