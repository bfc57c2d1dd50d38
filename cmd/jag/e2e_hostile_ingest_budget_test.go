package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// Ingest has a byte budget across concurrent submissions (issue 10,
// finding 8): while bodies holding the whole budget are in flight, another
// submission waits --ingest-wait, then gets 503 with Retry-After and
// nothing is stored; once they end, it is accepted. TAXII envelopes share
// the budget.
func TestIngestByteBudget(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, pgtest.URL(t))
	p := startServe(t, w.dbURL, "--max-body-bytes", "1048576", "--ingest-budget-bytes", "1048576",
		"--ingest-wait", "1s", "--body-grace", "30s")
	// A maximum-size bundle that is still arriving holds the whole budget.
	c := dialFrom(t, "127.0.0.1", p.Addr)
	fmt.Fprintf(c, "POST /v1/bundles HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: 1048576\r\n\r\n{\"type\":", w.tokens["a"])
	time.Sleep(500 * time.Millisecond)

	before := w.counts()
	bundle := []byte(w.bundle(w.signedIndicator(e2eOrgA, "budget.example")))
	start := time.Now()
	a := w.post(p.URL, "a", stixContentType, bundle)
	waited := time.Since(start)
	if a.Status != 503 || a.code() != "unavailable" || a.Header.Get("Retry-After") != "1" || waited < 900*time.Millisecond {
		t.Fatalf("submission beyond the budget: %d %s Retry-After %q after %s", a.Status, a.Raw, a.Header.Get("Retry-After"), waited)
	}
	// TAXII shares the budget.
	objectsURL := p.URL + "/taxii2/jag/collections/" + hub.DefaultCollectionID + "/objects/"
	env := envelope(w.signedIndicator(e2eOrgA, "budget-taxii.example"))
	ta := taxiiDo(t, http.MethodPost, objectsURL, taxiiBasic(w.tokens["a"]), env)
	taxiiError(t, ta, 503)
	if ta.Header.Get("Retry-After") == "" {
		t.Fatal("TAXII 503 without Retry-After")
	}
	if after := w.counts(); after != before {
		t.Fatalf("a refused submission stored rows: %+v → %+v", before, after)
	}
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a = w.post(p.URL, "a", stixContentType, bundle)
		if a.Status == 201 {
			break
		}
		if a.Status != 503 || time.Now().After(deadline) {
			t.Fatalf("after the budget is free: %d %s", a.Status, a.Raw)
		}
	}
	if ta := taxiiDo(t, http.MethodPost, objectsURL, taxiiBasic(w.tokens["a"]), env); ta.Status != 202 {
		t.Fatalf("TAXII after the budget is free: %d %s", ta.Status, ta.Raw)
	}
}
