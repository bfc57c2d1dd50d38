package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// TestTAXIIPageByteBudget: a page of large objects stops at the byte
// budget (max_content_length), not only at the limit, and paging with
// next still delivers every version exactly once.
func TestTAXIIPageByteBudget(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	const budget = 65536
	p := startServe(t, url, "--max-body-bytes", fmt.Sprint(budget))
	objectsURL := p.URL + "/taxii2/jag/collections/" + hub.DefaultCollectionID + "/objects/"
	tok := taxiiBasic(w.tokens["a-read"])

	// Eight objects of about 20 KB: three fit in a page of 64 KiB.
	var want []string
	for i := range 8 {
		pad := `,"description":"` + strings.Repeat(string(rune('a'+i)), 20000) + `"`
		o := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, fmt.Sprintf("[domain-name:value = 'big-%d.taxii.example']", i), pad))
		w.submit(p.URL, e2eOrgA, o)
		want = append(want, versionKey([]byte(o)))
	}

	var got []string
	pages := 0
	u := withParam(objectsURL, "limit", "1000")
	for {
		pg, err := taxiiGetPage(u, tok)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		size := 0
		for _, o := range pg.Objects {
			size += len(o)
			got = append(got, versionKey(o))
		}
		if len(pg.Objects) == 0 || len(pg.Objects) > 1 && size > budget {
			t.Fatalf("page %d: %d objects, %d bytes (budget %d)", pages, len(pg.Objects), size, budget)
		}
		if !pg.More {
			break
		}
		u = withParam(withParam(objectsURL, "limit", "1000"), "next", pg.Next)
	}
	if pages < 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages: got %v, want %v", pages, got, want)
	}

	// A limit too large for any integer is capped like any larger one.
	if pg, err := taxiiGetPage(withParam(objectsURL, "limit", "99999999999999999999999"), tok); err != nil || len(pg.Objects) == 0 {
		t.Fatalf("huge limit: %v %+v", err, pg)
	}
	// Manifests carry no objects: one page holds all eight.
	m, err := taxiiGetPage(withParam(p.URL+"/taxii2/jag/collections/"+hub.DefaultCollectionID+"/manifest/", "limit", "1000"), tok)
	if err != nil || m.More || len(m.Objects) != 8 {
		t.Fatalf("manifest: %v more %v, %d entries", err, m.More, len(m.Objects))
	}
}

// TestTAXIIStatusMemberOnly: a status lists every object of its envelope,
// so only member-tier tokens of the posting org read it; a client or
// community token of that org (which may not see the org's RED objects)
// gets exactly the answer of a missing status.
func TestTAXIIStatusMemberOnly(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	p := startServe(t, url)
	root := p.URL + "/taxii2/jag/"
	objectsURL := root + "collections/" + hub.DefaultCollectionID + "/objects/"

	red := w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[domain-name:value = 'red.taxii.example']", marking(stix.TLPRedID)), e2eOrgB)
	a := taxiiDo(t, "POST", objectsURL, taxiiBasic(w.tokens["a"]), envelope(red))
	if a.Status != http.StatusAccepted || a.Body["success_count"] != float64(1) {
		t.Fatalf("POST: %d %s", a.Status, a.Raw)
	}
	id := a.Body["id"].(string)
	if b := taxiiDo(t, "GET", root+"status/"+id+"/", taxiiBasic(w.tokens["a-read"]), ""); b.Status != 200 || string(b.Raw) != string(a.Raw) {
		t.Fatalf("member: %d %s", b.Status, b.Raw)
	}
	missing := taxiiDo(t, "GET", root+"status/00000000-0000-4000-8000-000000000000/", taxiiBasic(w.tokens["a-read"]), "")
	taxiiError(t, missing, 404)
	for _, tier := range []string{auth.TierClient, auth.TierCommunity} {
		tok := w.token(e2eOrgA, tier, auth.ScopeRead, auth.ScopeSubmit)
		// The client may not see the RED object through the collection...
		redID, _, _ := strings.Cut(versionKey([]byte(red)), "@")
		taxiiError(t, taxiiDo(t, "GET", objectsURL+redID+"/", taxiiBasic(tok), ""), 404)
		// ...nor learn its id from the status.
		b := taxiiDo(t, "GET", root+"status/"+id+"/", taxiiBasic(tok), "")
		if b.Status != 404 || string(b.Raw) != string(missing.Raw) {
			t.Fatalf("%s: %d %s, want the missing status's answer %s", tier, b.Status, b.Raw, missing.Raw)
		}
	}
}

// TestTAXIISlowClientsCutOff: the request timeout bounds a TAXII request's
// time on the wire, not only its work: a client that trickles its POST
// body, or stops reading a large page, is cut off instead of holding the
// request (and up to a page of objects in memory) for ever.
func TestTAXIISlowClientsCutOff(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	const maxBody = 8 << 20
	seed := startServe(t, url, "--max-body-bytes", fmt.Sprint(maxBody))
	// Ten objects of about 900 kB: a page of nine, more than the
	// connection buffers hold when the client reads nothing.
	for i := range 10 {
		pad := `,"description":"` + strings.Repeat("x", 900_000) + `"`
		w.submit(seed.URL, e2eOrgA, w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, fmt.Sprintf("[domain-name:value = 'slow-%d.taxii.example']", i), pad)))
	}
	p := startServe(t, url, "--max-body-bytes", fmt.Sprint(maxBody), "--request-timeout", "1s")
	host := strings.TrimPrefix(p.URL, "http://")
	objects := "/taxii2/jag/collections/" + hub.DefaultCollectionID + "/objects/"
	authz := taxiiBasic(w.tokens["a"])
	dial := func(t *testing.T) *net.TCPConn {
		t.Helper()
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c.(*net.TCPConn)
	}

	t.Run("trickled body", func(t *testing.T) {
		c := dial(t)
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: jag\r\nAuthorization: %s\r\nAccept: %s\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n{\"objects\":[",
			objects, authz, taxiiMedia, taxiiMedia)
		start := time.Now()
		_ = c.SetReadDeadline(start.Add(15 * time.Second))
		_, err := io.ReadAll(c) // until the hub closes the connection
		if err != nil || time.Since(start) > 8*time.Second {
			t.Fatalf("the hub held a trickled body for %v (%v)", time.Since(start), err)
		}
	})

	t.Run("unread page", func(t *testing.T) {
		c := dial(t) // the kernel buffers of an idle reader hold about 4 MB
		fmt.Fprintf(c, "GET %s?limit=1000 HTTP/1.1\r\nHost: jag\r\nAuthorization: %s\r\nAccept: %s\r\n\r\n", objects, authz, taxiiMedia)
		time.Sleep(5 * time.Second) // past twice the request timeout, reading nothing
		_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 || resp.ContentLength < 8_000_000 {
			t.Fatalf("%d, Content-Length %d: not the large page this test needs", resp.StatusCode, resp.ContentLength)
		}
		// The hub closed the connection (this client's own deadline did not
		// expire first) before sending the whole page.
		var ne net.Error
		if n >= resp.ContentLength || err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("read %d of %d bytes (%v): the hub waited for a client that did not read", n, resp.ContentLength, err)
		}
	})

	// The hub still serves, and the cut-off requests logged no token.
	if a := taxiiDo(t, "GET", p.URL+"/taxii2/", authz, ""); a.Status != 200 {
		t.Fatalf("discovery after the slow clients: %d", a.Status)
	}
	if logs := p.Logs(); strings.Contains(logs, w.tokens["a"]) || strings.Contains(logs, strings.TrimPrefix(authz, "Basic ")) {
		t.Fatal("a token reached the log")
	}
}

// TestTAXIIPageExactlyFull: objects that fill the byte budget exactly end
// a page that still says more, and the object after them comes on the
// next page (a read that stopped at the budget would have lost it).
func TestTAXIIPageExactlyFull(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	const budget = 65536
	p := startServe(t, url, "--max-body-bytes", fmt.Sprint(budget))
	objectsURL := p.URL + "/taxii2/jag/collections/" + hub.DefaultCollectionID + "/objects/?limit=1000"
	tok := taxiiBasic(w.tokens["a-read"])
	padded := func(name string, n int) string {
		return w.sign(e2eOrgA, w.indicatorJSON(e2eOrgA, "[domain-name:value = '"+name+".taxii.example']",
			`,"description":"`+strings.Repeat("p", n)+`"`))
	}
	first := padded("full-1", 30000)
	// The second object's size grows one byte per byte of padding: make
	// the two add up to the budget exactly.
	probe := padded("full-2", 30000)
	second := padded("full-2", 30000+budget-len(first)-len(probe))
	if len(first)+len(second) != budget {
		t.Fatalf("sizes %d + %d, want %d", len(first), len(second), budget)
	}
	third := w.signedIndicator(e2eOrgA, "full-3.taxii.example")
	for _, o := range []string{first, second, third} {
		w.submit(p.URL, e2eOrgA, o)
	}
	pg, err := taxiiGetPage(objectsURL, tok)
	if err != nil || len(pg.Objects) != 2 || !pg.More {
		t.Fatalf("first page: %v, %d objects, more %v", err, len(pg.Objects), pg.More)
	}
	pg, err = taxiiGetPage(withParam(objectsURL, "next", pg.Next), tok)
	if err != nil || len(pg.Objects) != 1 || pg.More || versionKey(pg.Objects[0]) != versionKey([]byte(third)) {
		t.Fatalf("second page: %v %+v", err, pg)
	}
}
