package main

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// TestHostileLineagesFeed: every org's copy of one observable is an
// event of its own on the feed, carrying that org's object, and each
// subscriber receives exactly the copies it may see.
func TestHostileLineagesFeed(t *testing.T) {
	t.Parallel()
	A, B, C := e2eOrgA, e2eOrgB, e2eOrgC
	w := newWorld(t, pgtest.URL(t), A, B, C)
	p := startServe(t, w.dbURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	subscribe := func(org string) *websocket.Conn {
		conn, err := feedDial(ctx, p.URL, w.token(org, auth.TierMember, auth.ScopeRead), "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		var m feedMsg
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := conn.ReadJSON(&m); err != nil || m.Op != "subscribed" {
			t.Fatalf("subscribe as %s: %+v, %v", org, m, err)
		}
		return conn
	}
	subB, subC := subscribe(B), subscribe(C)
	w.submit(p.URL, A, w.sign(A, scoOf(A, marking(stix.TLPRedID)), C))
	w.submit(p.URL, B, w.sign(B, scoOf(B, marking(stix.TLPGreenID))))
	w.submit(p.URL, C, w.sign(C, scoOf(C, marking(stix.TLPAmberID))))
	w.submit(p.URL, B, w.signedIndicator(B, "end-of-test.example")) // marks the end; AMBER, seen by B and C
	// received returns "event creator" for every event before the marker.
	received := func(conn *websocket.Conn) []string {
		var out []string
		for {
			var m feedMsg
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatalf("feed: %v after %v", err, out)
			}
			if m.Op != "event" {
				continue
			}
			if strings.Contains(string(m.Object), "end-of-test.example") {
				return out
			}
			var o struct {
				ID        string `json:"id"`
				CreatedBy string `json:"created_by_ref"`
			}
			if err := json.Unmarshal(m.Object, &o); err != nil || o.ID != e2eSCOID {
				t.Fatalf("unexpected event %s (%v)", m.Object, err)
			}
			out = append(out, m.Event+" "+o.CreatedBy)
		}
	}
	if got, want := received(subC), []string{"object.created " + A, "object.created " + B, "object.created " + C}; !reflect.DeepEqual(got, want) {
		t.Fatalf("C received %v, want %v", got, want)
	}
	if got, want := received(subB), []string{"object.created " + B, "object.created " + C}; !reflect.DeepEqual(got, want) {
		t.Fatalf("B received %v, want %v", got, want)
	}
}
