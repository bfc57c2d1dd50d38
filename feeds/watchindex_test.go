package feeds

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix/pattern"
)

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

// benchWatchlists returns n watchlists of MaxFilterValues distinct
// entries in the mix of BenchmarkFeedWatchlists (cmd/jag): 2,000
// addresses, 48 /28 networks and 2,048 domains of about 33 bytes.
func benchWatchlists(r *rand.Rand, n int) [][]string {
	lists := make([][]string, n)
	for i := range lists {
		for range 2000 {
			lists[i] = append(lists[i], fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)))
		}
		for range 48 {
			lists[i] = append(lists[i], fmt.Sprintf("10.%d.%d.%d/28", r.IntN(256), r.IntN(256), r.IntN(16)*16))
		}
		for j := len(lists[i]); j < MaxFilterValues; j++ {
			lists[i] = append(lists[i], fmt.Sprintf("h%d-%x.s%d.watch.example", j, r.Uint32(), i))
		}
	}
	return lists
}

// BenchmarkWatchIndexMatch matches the observables of an indicator naming
// 1,000 random addresses (one op) against 250 watchlists of 4,096
// distinct entries (about a million values).
func BenchmarkWatchIndexMatch(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 10))
	idx := newWatchIndex(math.MaxInt, math.MaxInt64)
	for _, l := range benchWatchlists(r, 250) {
		vals, err := parseWatchlist(l)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := idx.add(nil, vals); err != nil {
			b.Fatal(err)
		}
	}
	obs := make([]pattern.Observable, 1000)
	for i := range obs {
		obs[i] = pattern.Observable{Kind: "ipv4", Value: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)), Path: "ipv4-addr:value", Op: "="}
	}
	b.ResetTimer()
	matched := 0
	for range b.N {
		order, _ := idx.matchEvent(obs)
		matched += len(order)
	}
	b.ReportMetric(float64(matched)/float64(b.N), "watchers/op")
}
