package taxii

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"
)

// envelopeOf decodes an objects or manifest answer.
type pageBody struct {
	More     bool              `json:"more"`
	Next     string            `json:"next"`
	Objects  []json.RawMessage `json:"objects"`
	Versions []string          `json:"versions"`
}

func decodePage(t *testing.T, a answer) pageBody {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var p pageBody
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.More != (p.Next != "") {
		t.Fatalf("more %v with next %q", p.More, p.Next)
	}
	n := len(p.Objects) + len(p.Versions)
	first, last := a.header.Get("X-TAXII-Date-Added-First"), a.header.Get("X-TAXII-Date-Added-Last")
	if (n > 0) != (first != "" && last != "") {
		t.Fatalf("%d entries with date-added headers %q %q", n, first, last)
	}
	return p
}

func ids(t *testing.T, p pageBody) []string {
	var out []string
	for _, raw := range p.Objects {
		var o struct{ ID string }
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		out = append(out, o.ID)
	}
	return out
}

// pageAll follows next from url and returns every id, the page count.
func (w *world) pageAll(u, token string) ([]string, int) {
	w.t.Helper()
	var all []string
	pages := 0
	next := ""
	for {
		v := u
		if next != "" {
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			v += sep + "next=" + url.QueryEscape(next)
		}
		p := decodePage(w.t, w.do("GET", v, token, ""))
		pages++
		all = append(all, ids(w.t, p)...)
		if !p.More {
			return all, pages
		}
		next = p.Next
	}
}

func TestPagingAndVisibility(t *testing.T) {
	w := newWorld(t, 25) // orgB alone sees 8 of them (i%3 == 2)
	a, pages := w.pageAll(objectsURL+"?limit=4", "tok-a")
	if len(a) != 17 || pages != 5 {
		t.Fatalf("orgA: %d objects in %d pages", len(a), pages)
	}
	b, _ := w.pageAll(objectsURL+"?limit=4", "tok-b")
	if len(b) != 25 {
		t.Fatalf("orgB: %d objects", len(b))
	}
	seen := map[string]bool{}
	for _, id := range b {
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
	}
	// An empty next (MISP's first page) is no cursor.
	if p := decodePage(t, w.get(objectsURL+"?limit=50&next=")); len(p.Objects) != 17 {
		t.Fatalf("empty next: %d objects", len(p.Objects))
	}
	// Default and maximum limit.
	w2 := newWorld(t, MaxLimit+5)
	if p := decodePage(t, w2.get(objectsURL)); len(p.Objects) != DefaultLimit || !p.More {
		t.Fatalf("default page: %d objects", len(p.Objects))
	}
	if p := decodePage(t, w2.do("GET", objectsURL+"?limit=100000", "tok-b", "")); len(p.Objects) != MaxLimit || !p.More {
		t.Fatalf("capped page: %d objects", len(p.Objects))
	}
	for _, bad := range []string{"limit=0", "limit=-1", "limit=x", "limit=1&limit=2", "next=abc", "foo=1", "match[foo]=1",
		"added_after=yesterday", "match[version]=newest", "match[type]=Indicator", "match[id]=x", "match[spec_version]=two"} {
		wantError(t, w.get(objectsURL+"?"+bad), 400)
	}
}

func TestNextIsBoundToFilters(t *testing.T) {
	w := newWorld(t, 10)
	p := decodePage(t, w.get(objectsURL+"?limit=2&match[type]=indicator"))
	if !p.More {
		t.Fatal("want more")
	}
	wantError(t, w.get(objectsURL+"?limit=2&next="+p.Next), 400)                                                          // filter dropped
	wantError(t, w.get(objectsURL+"?limit=2&match[type]=malware&next="+p.Next), 400)                                      // filter changed
	wantError(t, w.get(strings.Replace(objectsURL, "objects", "manifest", 1)+"?match[type]=indicator&next="+p.Next), 400) // endpoint changed
	// The limit may change.
	q := decodePage(t, w.get(objectsURL+"?limit=3&match[type]=indicator&next="+p.Next))
	if got := ids(t, q); len(got) != 3 || got[0] != "indicator--00000000-0000-4000-8000-000000000003" {
		t.Fatalf("after next: %v", got)
	}
	// A cursor whose digest was altered is refused. (An altered position
	// is a valid cursor: it is no more than an added_after.)
	raw := []byte(p.Next)
	raw[20] ^= 1
	wantError(t, w.get(objectsURL+"?limit=2&match[type]=indicator&next="+string(raw)), 400)
}

func TestAddedAfterPollingAndNext(t *testing.T) {
	w := newWorld(t, 9)
	// Poll with added_after = X-TAXII-Date-Added-Last: nothing skipped or repeated.
	var got []string
	after := ""
	for range 20 {
		u := objectsURL + "?limit=2"
		if after != "" {
			u += "&added_after=" + url.QueryEscape(after)
		}
		a := w.get(u)
		p := decodePage(t, a)
		got = append(got, ids(t, p)...)
		if len(p.Objects) == 0 {
			break
		}
		after = a.header.Get("X-TAXII-Date-Added-Last")
		if len(got) == 4 {
			w.add("indicator--99999999-0000-4000-8000-000000000000", w.base, "") // a new object mid-poll
		}
	}
	if len(got) != 7 || got[6] != "indicator--99999999-0000-4000-8000-000000000000" {
		t.Fatalf("poll: %v", got)
	}
	// next combined with added_after keeps both.
	first := w.reader.entries[1].DateAdded.Format(time.RFC3339Nano)
	all, _ := w.pageAll(objectsURL+"?limit=2&added_after="+url.QueryEscape(first), "tok-a")
	if len(all) != 5 || all[0] != "indicator--00000000-0000-4000-8000-000000000003" {
		t.Fatalf("added_after with next: %v", all)
	}
	// An added_after beyond everything is an empty page without headers.
	if p := decodePage(t, w.get(objectsURL+"?added_after=2100-01-01T00:00:00Z")); len(p.Objects) != 0 || p.More {
		t.Fatalf("future: %+v", p)
	}
}

func TestMatchFilters(t *testing.T) {
	w := newWorld(t, 3)
	id := "indicator--00000000-0000-4000-8000-000000000000"
	// Two more versions of object 0: modified +1h and +2h.
	w.add(id, w.base.Add(time.Hour), "")
	w.add(id, w.base.Add(2*time.Hour), orgB) // orgA does not see the newest
	count := func(q string, token string) int {
		p := decodePage(t, w.do("GET", objectsURL+"?"+q, token, ""))
		return len(p.Objects)
	}
	for _, tc := range []struct {
		q     string
		token string
		want  int
	}{
		{"", "tok-a", 2},                   // last visible version of objects 0 and 1
		{"", "tok-b", 3},                   // 0 (its +2h), 1, 2
		{"match[version]=all", "tok-a", 3}, // 0 twice, 1
		{"match[version]=all", "tok-b", 5},
		{"match[version]=first", "tok-a", 2},
		{"match[version]=first,last", "tok-a", 3},
		{"match[version]=2026-11-29T13:00:00.000Z", "tok-a", 1},
		{"match[version]=2026-11-29T13:00:00Z,last", "tok-a", 2}, // 0's +1h is also its last for orgA
		{"match[id]=" + id, "tok-a", 1},
		{"match[id]=" + id + "&match[version]=all", "tok-a", 2},
		{"match[id]=" + id + ",indicator--00000000-0000-4000-8000-000000000001", "tok-a", 2},
		{"match[type]=malware", "tok-a", 0},
		{"match[type]=malware,indicator", "tok-a", 2},
		{"match[spec_version]=2.0", "tok-a", 0},
		{"match[spec_version]=2.0,2.1", "tok-a", 2},
	} {
		if got := count(tc.q, tc.token); got != tc.want {
			t.Errorf("%q as %s: %d objects, want %d", tc.q, tc.token, got, tc.want)
		}
	}
}

func TestObjectVersionsManifest(t *testing.T) {
	w := newWorld(t, 3)
	id := "indicator--00000000-0000-4000-8000-000000000000"
	w.add(id, w.base.Add(time.Hour), "")
	hidden := "indicator--00000000-0000-4000-8000-000000000002" // orgB only
	p := decodePage(t, w.get(objectsURL+id+"/"))
	if len(p.Objects) != 1 || !strings.Contains(string(p.Objects[0]), "2026-11-29T13:00:00.000Z") {
		t.Fatalf("object: %s", p.Objects)
	}
	p = decodePage(t, w.get(objectsURL+id+"/?match[version]=all"))
	if len(p.Objects) != 2 {
		t.Fatalf("object all: %d", len(p.Objects))
	}
	p = decodePage(t, w.get(objectsURL+id+"/versions"))
	if fmt.Sprint(p.Versions) != "[2026-11-29T12:00:00.000Z 2026-11-29T13:00:00.000Z]" {
		t.Fatalf("versions: %v", p.Versions)
	}
	// Hidden and missing objects are 404 alike; a filter that excludes
	// every version of a visible one is an empty page.
	wantError(t, w.get(objectsURL+hidden+"/"), 404)
	wantError(t, w.get(objectsURL+hidden+"/versions/"), 404)
	wantError(t, w.get(objectsURL+"indicator--00000000-0000-4000-8000-999999999999/"), 404)
	wantError(t, w.get(objectsURL+"not-an-id/"), 404)
	if p := decodePage(t, w.get(objectsURL+id+"/?added_after=2100-01-01T00:00:00Z")); len(p.Objects) != 0 {
		t.Fatal("want empty page")
	}
	if p := decodePage(t, w.do("GET", objectsURL+hidden+"/", "tok-b", "")); len(p.Objects) != 1 {
		t.Fatal("orgB sees its object")
	}
	wantError(t, w.get(objectsURL+id+"/?match[id]="+id), 400) // not a parameter of this endpoint
	// Manifest.
	a := w.get(strings.Replace(objectsURL, "objects", "manifest", 1) + "?match[version]=all")
	var m struct {
		Objects []struct{ ID, DateAdded, Version, MediaType string }
	}
	_ = json.Unmarshal(a.body, &m)
	var raw struct {
		Objects []map[string]string `json:"objects"`
	}
	if err := json.Unmarshal(a.body, &raw); err != nil || len(raw.Objects) != 3 {
		t.Fatalf("manifest: %s", a.body)
	}
	r0 := raw.Objects[0]
	if r0["id"] != id || r0["version"] != "2026-11-29T12:00:00.000Z" || r0["media_type"] != "application/stix+json;version=2.1" ||
		r0["date_added"] != "2026-11-29T12:00:00.000001Z" || a.header.Get("X-TAXII-Date-Added-First") != r0["date_added"] {
		t.Fatalf("manifest record %v, header %q", r0, a.header.Get("X-TAXII-Date-Added-First"))
	}
}

func TestTrimPage(t *testing.T) {
	entry := func(n int) hub.CollectionEntry {
		return hub.CollectionEntry{ObjectVersion: hub.ObjectVersion{Raw: make([]byte, n)}}
	}
	es := []hub.CollectionEntry{entry(40), entry(30), entry(30), entry(10)}
	for _, tc := range []struct {
		limit    int
		maxBytes int64
		want     int
		more     bool
	}{
		{10, 0, 4, false},  // no budget, under the limit
		{3, 0, 3, true},    // the read's extra entry says more
		{10, 100, 3, true}, // 40+30+30 fit, the fourth would not
		{10, 110, 4, false},
		{10, 10, 1, true}, // the first entry always stays
		{2, 1000, 2, true},
	} {
		got, more := trimPage(es, tc.limit, tc.maxBytes)
		if len(got) != tc.want || more != tc.more {
			t.Errorf("limit %d budget %d: %d entries more %v, want %d %v", tc.limit, tc.maxBytes, len(got), more, tc.want, tc.more)
		}
	}
}
