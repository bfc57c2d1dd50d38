package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix/pattern"
)

func ob(kind, value string) pattern.Observable { return pattern.Observable{Kind: kind, Value: value} }

var (
	sha256Lower = strings.Repeat("ab", 32)
	md5Lower    = strings.Repeat("0f", 16)
)

func TestLookup(t *testing.T) {
	t.Parallel()
	db := seedDB(t,
		seedObject{id: uid("indicator", 1), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "198.51.100.7")}},
		seedObject{id: uid("indicator", 2), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "198.51.100.0/24")}},
		seedObject{id: uid("indicator", 3), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "198.0.0.0/8"), ob("ipv4", "198.51.100.7")}},
		seedObject{id: uid("indicator", 4), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv6", "2001:db8::/32")}},
		seedObject{id: uid("indicator", 5), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("domain", "example.org")}},
		seedObject{id: uid("indicator", 6), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("domain", "c2.example.org")}},
		seedObject{id: uid("indicator", 7), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("sha256", sha256Lower)}},
		seedObject{id: uid("indicator", 8), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("sha3-256", sha256Lower)}},
		seedObject{id: uid("indicator", 9), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("md5", md5Lower)}},
		// a later version dropped the address: the old version no longer matches
		seedObject{id: uid("indicator", 10), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "203.0.113.9")}},
		seedObject{id: uid("indicator", 10), modified: "2026-01-02T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "203.0.113.10")}},
		// a later version the viewer may not see does not hide the earlier one
		seedObject{id: uid("indicator", 11), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "203.0.113.11")}},
		seedObject{id: uid("indicator", 11), modified: "2026-01-02T00:00:00Z", tlp: "red", recipients: []string{orgA}},
		// hidden from B entirely
		seedObject{id: uid("indicator", 12), modified: "2026-01-01T00:00:00Z", tlp: "red", recipients: []string{orgA}, observables: []pattern.Observable{ob("ipv4", "198.51.100.7")}},
		seedObject{id: uid("indicator", 13), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("url", "https://c2.example.org/x"), ob("email", "a@example.org")}},
	)
	tests := []struct {
		value string
		v     hub.Viewer
		want  []string // "n:match", ordered by object id; one per observable row
	}{
		{"198.51.100.7", memberB, []string{"1:exact", "2:cidr", "3:cidr", "3:exact"}},
		{"198.51.100.7", memberA, []string{"1:exact", "12:exact", "2:cidr", "3:cidr", "3:exact"}},
		// a network finds what is inside it (issue 11 point 8) as well as the networks containing it
		{"198.51.100.0/24", memberB, []string{"1:contains", "2:exact", "3:cidr", "3:contains"}},
		{"198.51.0.0/16", memberB, []string{"1:contains", "2:contains", "3:cidr", "3:contains"}},
		{"198.51.100.0/24", memberA, []string{"1:contains", "12:contains", "2:exact", "3:cidr", "3:contains"}},
		{"198.51.101.0/24", memberB, []string{"3:cidr"}},
		{"2001:db8::/16", memberB, []string{"4:contains"}},
		{"2001:db8::1", memberB, []string{"4:cidr"}},
		{"WWW.C2.Example.org.", memberB, []string{"5:parent_domain", "6:parent_domain"}},
		{"example.org", memberB, []string{"5:exact"}},
		{"org", memberB, nil},
		{strings.ToUpper(sha256Lower), memberB, []string{"7:exact", "8:exact"}},
		{md5Lower, memberB, []string{"9:exact"}},
		{"203.0.113.9", memberB, nil},
		{"203.0.113.10", memberB, []string{"10:exact"}},
		{"203.0.113.11", memberB, []string{"11:exact"}},
		{"203.0.113.11", memberA, nil},
		{"https://c2.example.org/x", memberB, []string{"13:exact"}},
		{"A@Example.org", memberB, []string{"13:exact"}},
		{"198.51.100.7", anonymous, nil},
	}
	num := func(id string) int {
		var n int
		fmt.Sscanf(id[len(id)-12:], "%d", &n)
		return n
	}
	for _, tc := range tests {
		t.Run(tc.value+"/"+tc.v.Org+tc.v.Tier, func(t *testing.T) {
			p, ok := hub.NewProbe(tc.value)
			if !ok && tc.want != nil {
				t.Fatalf("NewProbe(%q) refused", tc.value)
			}
			if !ok {
				return
			}
			hits, err := db.Lookup(context.Background(), tc.v, []hub.Probe{p}, hub.LookupAfter{}, 100, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				if h.Probe != 0 {
					t.Fatalf("probe index %d", h.Probe)
				}
				how, ok := p.Match(h.Observable)
				if !ok {
					t.Fatalf("store returned %+v for %q, which pattern.Match refuses", h.Observable, tc.value)
				}
				got = append(got, fmt.Sprintf("%d:%s", num(h.Object.ID), how))
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

// A batch answers every probe in one statement, tagged with its index.
func TestLookupBatch(t *testing.T) {
	t.Parallel()
	db := seedDB(t,
		seedObject{id: uid("indicator", 1), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("ipv4", "198.51.100.7")}},
		seedObject{id: uid("indicator", 2), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{ob("domain", "example.org")}},
	)
	var probes []hub.Probe
	for _, v := range []string{"example.org", "192.0.2.1", "198.51.100.7", "a.example.org"} {
		p, _ := hub.NewProbe(v)
		probes = append(probes, p)
	}
	hits, err := db.Lookup(context.Background(), memberB, probes, hub.LookupAfter{}, 100, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hits {
		got = append(got, fmt.Sprintf("%d:%s", h.Probe, h.Object.ID))
	}
	want := []string{"0:" + uid("indicator", 2), "2:" + uid("indicator", 1), "3:" + uid("indicator", 2)}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	limited, err := db.Lookup(context.Background(), memberB, probes, hub.LookupAfter{}, 2, 1<<30)
	if err != nil || len(limited) != 2 {
		t.Fatalf("limit 2: %d hits, %v", len(limited), err)
	}
}

// The store's SQL and pattern.Match state the same rule: for each pair of
// a lookup value and a stored observable, the store finds the observable
// exactly when pattern.Match says it matches.
func TestLookupAgreesWithMatch(t *testing.T) {
	t.Parallel()
	sha512Lower := sha256Lower + sha256Lower
	tests := []struct {
		value  string
		stored pattern.Observable
	}{
		{"198.51.100.7", ob("ipv4", "198.51.100.7")},
		{"198.51.100.7", ob("ipv4", "198.51.100.8")},
		{"198.51.100.7", ob("ipv4", "198.51.100.0/24")},
		{"198.51.100.7", ob("ipv4", "0.0.0.0/0")},
		{"198.51.101.7", ob("ipv4", "198.51.100.0/24")},
		{"10.0.0.0/8", ob("ipv4", "10.0.0.0/8")},
		{"10.1.0.0/16", ob("ipv4", "10.0.0.0/8")},
		{"10.0.0.0/8", ob("ipv4", "10.1.0.0/16")},
		{"10.0.0.0/8", ob("ipv4", "10.1.2.3")},
		{"2001:db8::1", ob("ipv6", "2001:db8::/32")},
		{"2001:db8::/32", ob("ipv6", "2001:db8::1")},
		{"10.0.0.1", ob("ipv6", "::/0")},
		{"::ffff:10.0.0.1", ob("ipv4", "10.0.0.0/8")},
		{"::ffff:10.0.0.1", ob("ipv6", "::ffff:10.0.0.1")},
		{"10.0.0.1", ob("ipv6", "::ffff:10.0.0.1")},
		{"Evil.Example.COM.", ob("domain", "evil.example.com")},
		{"a.evil.example.com", ob("domain", "evil.example.com")},
		{"a.evil.example.com", ob("domain", "example.com")},
		{"a.example.com", ob("domain", "com")},
		{"example.com", ob("domain", "a.example.com")},
		{"badexample.com", ob("domain", "example.com")},
		{"example.com", ob("url", "example.com")},
		{strings.ToUpper(md5Lower), ob("md5", md5Lower)},
		{md5Lower, ob("md5", "1"+md5Lower[1:])},
		{strings.ToUpper(sha256Lower), ob("sha256", sha256Lower)},
		{sha256Lower, ob("sha3-256", sha256Lower)},
		{sha256Lower, ob("sha512", sha256Lower)},
		{sha512Lower, ob("sha3-512", sha512Lower)},
		{md5Lower, ob("ssdeep", md5Lower)},
		{"Bad@Evil.example", ob("email", "bad@evil.example")},
		{"bad@a.evil.example", ob("email", "bad@evil.example")},
		{"http://evil.example.com/x", ob("url", "http://evil.example.com/x")},
		{"http://evil.example.com/X", ob("url", "http://evil.example.com/x")},
		{"http://evil.example.com", ob("domain", "evil.example.com")},
	}
	objs := make([]seedObject, len(tests))
	for i, tc := range tests {
		objs[i] = seedObject{id: uid("indicator", i+1), modified: "2026-01-01T00:00:00Z", observables: []pattern.Observable{tc.stored}}
	}
	db := seedDB(t, objs...)
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s~%s:%s", tc.value, tc.stored.Kind, tc.stored.Value), func(t *testing.T) {
			p, ok := hub.NewProbe(tc.value)
			if !ok {
				t.Fatalf("NewProbe(%q) refused", tc.value)
			}
			q, _ := pattern.Classify(tc.value)
			wantHow, want := pattern.Match(q, tc.stored)
			hits, err := db.Lookup(context.Background(), memberB, []hub.Probe{p}, hub.LookupAfter{}, 100, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range hits {
				if h.Object.ID != uid("indicator", i+1) {
					continue
				}
				found = true
				if h.Observable.Kind != tc.stored.Kind || h.Observable.Value != tc.stored.Value {
					t.Errorf("store hit names %+v, stored %+v", h.Observable, tc.stored)
				}
			}
			if found != want {
				t.Fatalf("store finds %+v: %v; pattern.Match: %q, %v", tc.stored, found, wantHow, want)
			}
		})
	}
}
