package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// End-to-end tests of answers bounded in bytes (issue 10, finding 3):
// lookups name each object once; lookups, search pages and version lists
// stop at the byte budget and continue by cursor.

// bigIndicator is a signed indicator of org for domain whose description
// makes it about size bytes.
func (w *world) bigIndicator(org, domain string, size int) string {
	extra := `,"description":"` + strings.Repeat("x", size) + `"`
	return w.sign(org, w.indicatorJSON(org, "[domain-name:value = '"+domain+"']", extra))
}

// lookupAnswerPage is the wire form of a lookup answer.
type lookupAnswerPage struct {
	Results []struct {
		Value   string `json:"value"`
		Count   int    `json:"count"`
		Matches []struct {
			Match string `json:"match"`
			ID    string `json:"id"`
			Ref   string `json:"ref"`
		} `json:"matches"`
	} `json:"results"`
	Objects   map[string]json.RawMessage `json:"objects"`
	Truncated bool                       `json:"truncated"`
	Next      string                     `json:"next"`
}

// A thousand values under one domain that one 200 KB indicator names: the
// answer carries the indicator once, not a thousand times (the old answer
// was 200 MB).
func TestLookupNamesEachObjectOnce(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL)
	big := w.bigIndicator(e2eOrgA, "amp.example", 200<<10)
	w.submit(p.URL, e2eOrgA, big)
	values := make([]string, 1000)
	for i := range values {
		values[i] = fmt.Sprintf("h%d.amp.example", i)
	}
	body, _ := json.Marshal(map[string][]string{"values": values})
	a := hubDo(t, http.MethodPost, p.URL+"/v1/lookup", w.tokens["a-read"], "application/json", string(body))
	if a.Status != 200 {
		t.Fatalf("lookup: %d %.300s", a.Status, a.Raw)
	}
	if len(a.Raw) > len(big)+1000*600 { // about 500 bytes of metadata per value
		t.Fatalf("answer of %d bytes for one %d-byte object and 1000 values", len(a.Raw), len(big))
	}
	var ans lookupAnswerPage
	if err := json.Unmarshal(a.Raw, &ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Results) != 1000 || len(ans.Objects) != 1 || ans.Truncated {
		t.Fatalf("%d results, %d objects, truncated %v", len(ans.Results), len(ans.Objects), ans.Truncated)
	}
	for _, r := range ans.Results {
		if r.Count != 1 || r.Matches[0].Match != "parent_domain" || ans.Objects[r.Matches[0].Ref] == nil {
			t.Fatalf("result %+v", r)
		}
	}
	// Matches only: no object bytes at all.
	body, _ = json.Marshal(map[string]any{"values": values, "objects": false})
	a = hubDo(t, http.MethodPost, p.URL+"/v1/lookup", w.tokens["a-read"], "application/json", string(body))
	ans = lookupAnswerPage{}
	if err := json.Unmarshal(a.Raw, &ans); err != nil || a.Status != 200 || len(ans.Results) != 1000 || len(ans.Objects) != 0 ||
		ans.Results[999].Count != 1 || len(a.Raw) > 1000*600 {
		t.Fatalf("objects false: %d, %d results, %d objects, %d bytes", a.Status, len(ans.Results), len(ans.Objects), len(a.Raw))
	}
}

// With a 64 KiB budget, twelve 20 KB objects come a few per page, each
// once, by lookup (POST and GET), by search and as versions; every page
// stays within the budget plus one object.
func TestAnswersStopAtByteBudget(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	const budget = 64 << 10
	p := startServe(t, w.dbURL, "--max-response-bytes", fmt.Sprint(budget))
	var objs []string
	for range 12 {
		objs = append(objs, w.bigIndicator(e2eOrgA, "page.example", 20<<10))
	}
	w.submit(p.URL, e2eOrgA, objs...)
	token := w.tokens["a-read"]
	within := func(t *testing.T, n int) {
		t.Helper()
		if n > budget+24<<10 {
			t.Fatalf("a page of %d bytes; the budget is %d", n, budget)
		}
	}

	t.Run("lookup POST", func(t *testing.T) {
		seen := map[string]int{}
		next := ""
		for pages := 1; ; pages++ {
			req := map[string]any{"values": []string{"x.page.example", "nothing.example", "page.example"}}
			if next != "" {
				req["next"] = next
			}
			body, _ := json.Marshal(req)
			a := hubDo(t, http.MethodPost, p.URL+"/v1/lookup", token, "application/json", string(body))
			within(t, len(a.Raw))
			var ans lookupAnswerPage
			if err := json.Unmarshal(a.Raw, &ans); err != nil || a.Status != 200 {
				t.Fatalf("page %d: %d %v", pages, a.Status, err)
			}
			for _, r := range ans.Results {
				for _, m := range r.Matches {
					seen[r.Value+" "+m.ID]++
					if ans.Objects[m.Ref] == nil {
						t.Fatalf("match %s without its object", m.ID)
					}
				}
			}
			if !ans.Truncated {
				if pages < 3 {
					t.Fatalf("%d pages for 24 matches of 20 KB objects under 64 KiB", pages)
				}
				break
			}
			next = ans.Next
		}
		if len(seen) != 24 {
			t.Fatalf("%d distinct (value, object) matches, want 24: %v", len(seen), seen)
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("%s answered %d times", k, n)
			}
		}
	})
	t.Run("lookup GET", func(t *testing.T) {
		ids := map[string]bool{}
		next := ""
		for pages := 1; pages < 20; pages++ {
			u := p.URL + "/v1/lookup?value=page.example"
			if next != "" {
				u += "&next=" + url.QueryEscape(next)
			}
			a := hubGet(t, u, token)
			within(t, len(a.Raw))
			var ans struct {
				Matches   []struct{ ID, Ref string } `json:"matches"`
				Objects   map[string]json.RawMessage `json:"objects"`
				Truncated bool                       `json:"truncated"`
				Next      string                     `json:"next"`
			}
			if err := json.Unmarshal(a.Raw, &ans); err != nil || a.Status != 200 {
				t.Fatalf("page %d: %d %v", pages, a.Status, err)
			}
			for _, m := range ans.Matches {
				if ids[m.ID] || ans.Objects[m.Ref] == nil {
					t.Fatalf("%s twice or without its object", m.ID)
				}
				ids[m.ID] = true
			}
			if !ans.Truncated {
				break
			}
			next = ans.Next
		}
		if len(ids) != 12 {
			t.Fatalf("%d objects, want 12", len(ids))
		}
	})
	t.Run("search", func(t *testing.T) {
		ids := map[string]bool{}
		u := p.URL + "/v1/objects?type=indicator&limit=1000"
		for pages := 1; ; pages++ {
			a := hubGet(t, u, token)
			within(t, len(a.Raw))
			var ans struct {
				Objects []struct{ ID string } `json:"objects"`
				Next    string                `json:"next"`
			}
			if err := json.Unmarshal(a.Raw, &ans); err != nil || a.Status != 200 || len(ans.Objects) == 0 {
				t.Fatalf("page %d: %d %v", pages, a.Status, err)
			}
			for _, o := range ans.Objects {
				if ids[o.ID] {
					t.Fatalf("%s twice", o.ID)
				}
				ids[o.ID] = true
			}
			if ans.Next == "" {
				if pages < 3 {
					t.Fatalf("%d pages", pages)
				}
				break
			}
			u = p.URL + "/v1/objects?type=indicator&limit=1000&next=" + url.QueryEscape(ans.Next)
		}
		if len(ids) != 12 {
			t.Fatalf("%d objects, want 12", len(ids))
		}
	})
	t.Run("versions", func(t *testing.T) {
		id := w.id("indicator")
		var versions []string
		for i := range 6 {
			mod := fmt.Sprintf("2026-01-0%dT00:00:00.000Z", i+1)
			obj := indicatorOf(e2eOrgA, id, mod, "[domain-name:value = 'v.example']", `,"description":"`+strings.Repeat("v", 20<<10)+`"`)
			versions = append(versions, mod)
			w.submit(p.URL, e2eOrgA, w.sign(e2eOrgA, obj))
		}
		var got []string
		u := p.URL + "/v1/objects/" + id + "?version=all"
		for pages := 1; ; pages++ {
			a := hubGet(t, u, token)
			within(t, len(a.Raw))
			var ans struct {
				Objects []struct{ Modified string } `json:"objects"`
				Next    string                      `json:"next"`
			}
			if err := json.Unmarshal(a.Raw, &ans); err != nil || a.Status != 200 || len(ans.Objects) == 0 {
				t.Fatalf("page %d: %d %v %.200s", pages, a.Status, err, a.Raw)
			}
			for _, o := range ans.Objects {
				got = append(got, o.Modified)
			}
			if ans.Next == "" {
				if pages < 2 {
					t.Fatalf("one page for 6 × 20 KB under 64 KiB")
				}
				break
			}
			u = p.URL + "/v1/objects/" + id + "?version=all&next=" + url.QueryEscape(ans.Next)
		}
		if strings.Join(got, ",") != strings.Join(versions, ",") {
			t.Fatalf("versions %v, want %v", got, versions)
		}
		// jag query follows the pages
		code, out, errb := runJag(t, "", "query", "--server", p.URL, "--token", token, "--output", "jsonl", "--version", "all", id)
		if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 6 {
			t.Fatalf("jag query --version all: exit %d, %d lines: %s", code, len(lines), errb)
		}
		// a cursor of another object is refused
		other := hubGet(t, p.URL+"/v1/objects/"+w.id("indicator")+"?version=all&next="+url.QueryEscape(strings.TrimPrefix(u, p.URL+"/v1/objects/"+id+"?version=all&next=")), token)
		if other.Status != 400 {
			t.Fatalf("cursor of another object: %d", other.Status)
		}
	})
}
