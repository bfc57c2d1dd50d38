package feeds

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix/pattern"
)

// TestWatchIndexAgreesWithRule registers random watchlists of networks,
// domains and hashes, removes some, and checks that the index finds, for
// random observables, exactly the (watcher, match) pairs a brute-force
// application of pattern.Match to every remaining entry finds.
func TestWatchIndexAgreesWithRule(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	randNet := func() string {
		if r.IntN(4) == 0 {
			a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(r.IntN(4)), byte(r.IntN(256))})
			bits := []int{32, 40, 48, 64, 128}[r.IntN(5)]
			return netip.PrefixFrom(a, bits).Masked().String()
		}
		a := netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(8)), byte(r.IntN(8))})
		bits := []int{8, 12, 16, 20, 24, 28, 30, 32}[r.IntN(8)]
		p := netip.PrefixFrom(a, bits).Masked()
		if bits == 32 {
			return p.Addr().String()
		}
		return p.String()
	}
	randDomain := func() string {
		labels := []string{"a", "b", "c"}
		return strings.Join(labels[:r.IntN(3)], ".") + map[bool]string{true: ".", false: ""}[r.IntN(3) > 0] + []string{"x.example", "y.example", "example"}[r.IntN(3)]
	}
	randValue := func() string {
		switch r.IntN(6) {
		case 0:
			return randDomain()
		case 5:
			return []string{"http://a.x.example/p", "mailto:a@x.example", "a@b.x.example"}[r.IntN(3)]
		case 1:
			return strings.Repeat(fmt.Sprintf("%x", r.IntN(4)), 64)
		default:
			return randNet()
		}
	}
	idx := newWatchIndex(math.MaxInt, math.MaxInt64)
	type reg struct {
		w      *watcher
		values []watchValue
	}
	var regs []reg
	for i := 0; i < 60; i++ {
		var vals []string
		for j := r.IntN(40); j >= 0; j-- {
			v := strings.TrimPrefix(strings.TrimPrefix(randValue(), "."), ".")
			if _, ok := pattern.Classify(v); ok {
				vals = append(vals, v)
			}
		}
		wv, err := parseWatchlist(vals)
		if err != nil {
			t.Fatal(err)
		}
		w, err := idx.add(nil, wv)
		if err != nil {
			t.Fatal(err)
		}
		regs = append(regs, reg{w, wv})
	}
	for i := 0; i < 20; i++ { // remove a third, in random order
		k := r.IntN(len(regs))
		idx.remove(regs[k].w)
		regs = slices.Delete(regs, k, k+1)
	}
	for i := 0; i < 1000; i++ {
		v := strings.TrimPrefix(randValue(), ".")
		q, ok := pattern.Classify(v)
		if !ok {
			continue
		}
		o := pattern.Observable{Kind: q.Kind, Value: q.Value, Path: "p", Op: "="}
		if q.Kind == "sha256" && r.IntN(2) == 0 {
			o.Kind = "sha3-256"
		}
		var want, got []string
		for _, rg := range regs {
			seen := map[string]bool{}
			for _, e := range rg.values {
				if seen[e.query.Kind+" "+e.query.Value] {
					continue
				}
				seen[e.query.Kind+" "+e.query.Value] = true
				if how, ok := pattern.Match(e.query, o); ok {
					want = append(want, fmt.Sprintf("%p %s %s", rg.w, e.query.Value, how))
				}
			}
		}
		order, matches := idx.matchEvent([]pattern.Observable{o})
		for _, w := range order {
			for _, m := range matches[w] {
				q, _ := pattern.Classify(m.Value)
				got = append(got, fmt.Sprintf("%p %s %s", w, q.Value, m.Match))
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Fatalf("observable %s %s: index found\n%v\nrule finds\n%v", o.Kind, o.Value, got, want)
		}
		for _, rg := range regs { // the one-session path agrees too
			n, mine := 0, fmt.Sprintf("%p ", rg.w)
			for _, g := range want {
				if strings.HasPrefix(g, mine) {
					n++
				}
			}
			if m := idx.matchFor(rg.w, []pattern.Observable{o}); len(m) != n {
				t.Fatalf("matchFor %s: %d matches, want %d", o.Value, len(m), n)
			}
		}
	}
	for _, rg := range regs {
		idx.remove(rg.w)
	}
	if e, b := idx.usage(); e != 0 || b != 0 || len(idx.terms) != 0 || len(idx.parent) != 0 || idx.nets[0] != nil || idx.nets[1] != nil {
		t.Fatalf("index not empty after every watcher left: %d entries, %d bytes, %d terms", e, b, len(idx.terms))
	}
}

func TestWatchIndexBudget(t *testing.T) {
	vals, err := parseWatchlist([]string{"192.0.2.1", "example.org"})
	if err != nil {
		t.Fatal(err)
	}
	idx := newWatchIndex(3, math.MaxInt64)
	w, err := idx.add(nil, vals)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.add(nil, vals); err != ErrWatchCapacity {
		t.Fatalf("second watchlist beyond 3 entries: %v, want ErrWatchCapacity", err)
	}
	idx.remove(w)
	if _, err := idx.add(nil, vals); err != nil {
		t.Fatalf("after the first left: %v", err)
	}
	small := newWatchIndex(math.MaxInt, 100)
	if _, err := small.add(nil, vals); err != ErrWatchCapacity {
		t.Fatalf("beyond 100 bytes: %v, want ErrWatchCapacity", err)
	}
	long := make([]string, 0, 3000)
	for i := range 3000 {
		long = append(long, fmt.Sprintf("host-%d.a-rather-long-label-for-bytes.example.org", i))
	}
	if _, err := parseWatchlist(long); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Fatalf("a watchlist of %d bytes: %v, want a bytes error", len(strings.Join(long, "")), err)
	}
}
