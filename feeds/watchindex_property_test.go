// The race detector multiplies the cost of these single-goroutine tests
// of the watch index by five and can find nothing in them (the index's
// concurrent use is covered by the session tests), so the -race run of
// `make test` leaves them out and `make test` runs them once more without
// -race (see the Makefile). Under -race the heap figure would not hold
// either: the detector's own allocations would count.

//go:build !race

package feeds

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix/pattern"
)

// TestWatchIndexAgreesWithRule registers random watchlists of networks,
// domains, URLs, e-mail addresses and hashes, removes some, registers
// more (reusing the freed positions), and checks that the index finds,
// for random observables, exactly the (watcher, match) pairs a
// brute-force application of pattern.Match to every remaining entry
// finds. It runs once as configured and once with hash keys cut to two
// bits (every value collides with many others, in the exact map and in
// the parent lists) and the text arena compacted at every removal.
func TestWatchIndexAgreesWithRule(t *testing.T) {
	for _, tc := range []struct {
		name    string
		collide bool
	}{{"default", false}, {"colliding", true}} {
		t.Run(tc.name, func(t *testing.T) {
			idx := newWatchIndex(math.MaxInt, math.MaxInt64)
			if tc.collide {
				idx.hashMask, idx.textSlack = 3, 0
			}
			checkIndexAgainstRule(t, idx, rand.New(rand.NewPCG(1, 2)))
		})
	}
}

func checkIndexAgainstRule(t *testing.T, idx *watchIndex, r *rand.Rand) {
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
		return strings.Join(labels[:r.IntN(3)], ".") + map[bool]string{true: ".", false: ""}[r.IntN(3) > 0] + []string{"x.example", "y.example", "example", "B.x.Example."}[r.IntN(4)]
	}
	randValue := func() string {
		switch r.IntN(6) {
		case 0:
			return randDomain()
		case 5:
			return []string{"http://a.x.example/p", "mailto:a@x.example", "a@b.x.example", "A@B.x.example"}[r.IntN(4)]
		case 1:
			return strings.Repeat(fmt.Sprintf("%x", r.IntN(4)), 64)
		default:
			return randNet()
		}
	}
	type reg struct {
		w      *watcher
		values []watchValue
	}
	var regs []reg
	register := func(n int) {
		for range n {
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
	}
	check := func() {
		t.Helper()
		given := map[*watcher]map[string]bool{}
		for _, rg := range regs {
			given[rg.w] = map[string]bool{}
			for _, v := range rg.values {
				given[rg.w][v.given] = true
			}
		}
		for range 1000 {
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
					if !given[w][m.Value] {
						t.Fatalf("match value %q is not an entry of the watchlist as given", m.Value)
					}
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
	}
	register(60)
	for range 20 { // remove a third, in random order
		k := r.IntN(len(regs))
		idx.remove(regs[k].w)
		regs = slices.Delete(regs, k, k+1)
	}
	register(20) // into the freed positions
	check()
	for _, rg := range regs {
		idx.remove(rg.w)
	}
	if e, b := idx.usage(); e != 0 || b != 0 {
		t.Fatalf("index not empty after every watcher left: %d entries, %d bytes", e, b)
	}
	if idx.liveTerms != 0 || idx.liveSubs != 0 || idx.liveLinks != 0 || idx.liveNodes != 0 ||
		len(idx.exact) != 0 || len(idx.parents) != 0 || idx.roots != [2][2]uint32{} {
		t.Fatalf("index not empty after every watcher left: %d terms, %d registrations, %d links, %d nodes, %d hashes, %d parents, roots %v",
			idx.liveTerms, idx.liveSubs, idx.liveLinks, idx.liveNodes, len(idx.exact), len(idx.parents), idx.roots)
	}
}

// TestWatchIndexMemory registers watchlists of 4,096 distinct entries
// each (the mix of BenchmarkFeedWatchlists: 2,000 addresses, 48 /28
// networks and 2,048 domains of about 33 bytes; nothing shared) and
// checks the heap they hold: the README's figure per distinct value.
func TestWatchIndexMemory(t *testing.T) {
	const sessions, perValue = 100, 128 // bytes per distinct value, at most
	lists := benchWatchlists(rand.New(rand.NewPCG(4, 10)), sessions)
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	idx := newWatchIndex(math.MaxInt, math.MaxInt64)
	for i := range lists {
		vals, err := parseWatchlist(lists[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := idx.add(nil, vals); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	runtime.KeepAlive(lists) // measured in before: not the index's
	values := idx.liveTerms
	per := float64(after-before) / float64(values)
	t.Logf("%d distinct values: %.0f bytes each (%d terms, %d nodes, %d links, %d bytes of text)", values, per, len(idx.terms), len(idx.nodes), len(idx.links), len(idx.text))
	if values < sessions*MaxFilterValues*99/100 {
		t.Fatalf("only %d distinct values registered", values)
	}
	if per > perValue {
		t.Fatalf("%.0f bytes per distinct value, want at most %d", per, perValue)
	}
	runtime.KeepAlive(idx)
}
