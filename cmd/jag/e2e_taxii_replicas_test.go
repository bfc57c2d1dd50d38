package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// TestTAXIIPollingThreeReplicas: writers submit concurrently (REST bundles
// and TAXII envelopes) to three replicas while commits are delayed at
// random inside the ingest transaction; pollers of three principals
// (different orgs and tiers) read two collections with small pages, half
// following next and half paging by added_after = X-TAXII-Date-Added-Last,
// each request on a random replica. Every poller receives every version
// it may see exactly once: at the end, exactly what /v1/objects shows that
// principal, narrowed by the collection.
func TestTAXIIPollingThreeReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	w := newIngestWorld(t, url)
	A, B := e2eOrgA, e2eOrgB
	code, out, errs := runJag(t, "", "collection", "add", "--database-url", url, "--id", "b0000000-0000-4000-8000-0000000000b0",
		"--title", "B only", "--creator", B)
	if code != 0 {
		t.Fatalf("collection add: %d %s %s", code, out, errs)
	}
	delayCommits(t, w, 30)
	procs := startReplicas(t, 3, url)
	pick := func() string { return procs[rand.IntN(len(procs))].URL }

	principals := map[string]string{
		"A member":  w.token(A, auth.TierMember, auth.ScopeRead),
		"B client":  w.token(B, auth.TierClient, auth.ScopeRead),
		"community": w.token("", auth.TierCommunity, auth.ScopeRead),
	}
	collections := map[string]string{ // collection id → REST query narrowing the same way
		hub.DefaultCollectionID:                "",
		"b0000000-0000-4000-8000-0000000000b0": "&created_by=" + B,
	}
	markings := []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID}

	const writers, submissions = 6, 12
	var writing atomic.Bool
	writing.Store(true)
	var writersWG sync.WaitGroup
	for wi := range writers {
		writersWG.Add(1)
		go func() {
			defer writersWG.Done()
			org := A
			if wi%2 == 1 {
				org = B
			}
			tok := w.token(org, auth.TierMember, auth.ScopeSubmit)
			for j := range submissions {
				var objs []string
				for k := range 1 + (j+wi)%3 {
					objs = append(objs, w.sign(org, w.indicatorJSON(org, fmt.Sprintf("[domain-name:value = 'w%d-s%d-o%d.poll.example']", wi, j, k),
						marking(markings[(wi+j+k)%len(markings)]))))
				}
				if j%2 == 0 {
					a, err := send(http.MethodPost, pick()+"/v1/bundles", tok, stixContentType, []byte(w.bundle(objs...)))
					if err != nil || a.Status != http.StatusCreated {
						t.Errorf("writer %d: REST %v %d %s", wi, err, a.Status, a.Raw)
						return
					}
					continue
				}
				a, err := taxiiSend(http.MethodPost, pick()+"/taxii2/jag/collections/"+hub.DefaultCollectionID+"/objects/", taxiiBasic(tok), envelope(objs...))
				if err != nil || a.Status != http.StatusAccepted || a.Body["success_count"] != float64(len(objs)) {
					t.Errorf("writer %d: TAXII %v %d %s", wi, err, a.Status, a.Raw)
					return
				}
			}
		}()
	}

	type poller struct {
		who, token, collection string
		useNext                bool
		got                    []string
	}
	var pollers []*poller
	for who, tok := range principals {
		for cid := range collections {
			for _, useNext := range []bool{true, false} {
				pollers = append(pollers, &poller{who: who, token: tok, collection: cid, useNext: useNext})
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var pollWG sync.WaitGroup
	for _, p := range pollers {
		pollWG.Add(1)
		go func() {
			defer pollWG.Done()
			after := ""
			quietAfterWriters := 0
			for ctx.Err() == nil {
				wasWriting := writing.Load()
				before := len(p.got)
				next := ""
				for { // one poll: pages until more is false
					u := pick() + "/taxii2/jag/collections/" + p.collection + "/objects/?limit=" + fmt.Sprint(3+rand.IntN(5))
					if after != "" {
						u = withParam(u, "added_after", after)
					}
					if next != "" {
						u = withParam(u, "next", next)
					}
					pg, err := taxiiGetPage(u, taxiiBasic(p.token))
					if err != nil {
						t.Errorf("%s: %v", p.who, err)
						return
					}
					for _, o := range pg.Objects {
						p.got = append(p.got, versionKey(o))
					}
					if !p.useNext && pg.Last != "" {
						after = pg.Last // page by added_after alone
					}
					if !pg.More {
						if p.useNext && pg.Last != "" {
							after = pg.Last
						}
						break
					}
					if p.useNext {
						next = pg.Next
					}
				}
				if !wasWriting && len(p.got) == before {
					if quietAfterWriters++; quietAfterWriters == 2 {
						return
					}
				}
				time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
			}
			t.Errorf("%s: polling did not settle", p.who)
		}()
	}
	writersWG.Wait()
	writing.Store(false)
	pollWG.Wait()
	if t.Failed() {
		return
	}
	total := w.counts().objects
	for _, p := range pollers {
		want := restVersions(t, procs[0].URL, collections[p.collection], p.token)
		got := slices.Clone(p.got)
		slices.Sort(got)
		if dup := slices.Compact(slices.Clone(got)); len(dup) != len(got) {
			t.Errorf("%s on %s (next %v): %d duplicates", p.who, p.collection, p.useNext, len(got)-len(dup))
		}
		slices.Sort(want)
		if !slices.Equal(slices.Compact(got), want) {
			t.Errorf("%s on %s (next %v): got %d versions, /v1/objects shows %d", p.who, p.collection, p.useNext, len(got), len(want))
		}
		if len(want) == 0 || len(want) == total && p.who != "A member" {
			t.Errorf("%s on %s: %d of %d versions: the principals must see different contents", p.who, p.collection, len(want), total)
		}
	}
	t.Logf("%d versions stored; pollers saw %s", total, strings.Join(func() []string {
		var s []string
		for _, p := range pollers {
			s = append(s, fmt.Sprintf("%s/%s=%d", p.who, p.collection[:8], len(p.got)))
		}
		return s
	}(), " "))
}
