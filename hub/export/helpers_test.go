package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/stix/pattern"
)

// datasets are the real indicator sets kept beside the stix tests.
var datasets = []string{
	filepath.Join("..", "..", "stix", "testdata", "datasets", "amnesty-pegasus.stix2.json"),
	filepath.Join("..", "..", "stix", "testdata", "datasets", "mvt-predator.stix2.json"),
}

// indicatorsOf returns the indicators of a bundle file as NeedIndicators
// records, raw bytes as in the file.
func indicatorsOf(t testing.TB, file string) []Record {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	var out []Record
	for _, raw := range b.Objects {
		var o struct{ Type, ID, Modified string }
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		if o.Type == "indicator" {
			out = append(out, Record{ID: o.ID, Modified: o.Modified, Raw: raw})
		}
	}
	return out
}

// observablesOf extracts what the index holds for some indicators.
func observablesOf(t testing.TB, inds []Record) []pattern.Observable {
	t.Helper()
	var out []pattern.Observable
	for _, r := range inds {
		var ind struct{ Pattern string }
		if err := json.Unmarshal(r.Raw, &ind); err != nil {
			t.Fatal(err)
		}
		p, err := pattern.Parse(ind.Pattern)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		out = append(out, p.Observables()...)
	}
	return out
}

// valueStream orders distinct observables of kinds as NeedValues
// promises the store does: addresses in inet order, then non-ASCII
// domains, then the rest in byte order.
func valueStream(obs []pattern.Observable, kinds ...string) []Record {
	var out []Record
	for _, o := range obs {
		if slices.Contains(kinds, o.Kind) {
			out = append(out, Record{Kind: o.Kind, Value: o.Value})
		}
	}
	rank := func(r Record) int {
		switch {
		case r.Kind == "ipv4" || r.Kind == "ipv6":
			return 0
		case r.Kind == "domain" && !isASCII(r.Value):
			return 1
		}
		return 2
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if rank(a) == 0 {
			pa, pb := mustPrefix(a.Value), mustPrefix(b.Value)
			if c := pa.Addr().Compare(pb.Addr()); c != 0 {
				return c
			}
			return cmp.Compare(pa.Bits(), pb.Bits())
		}
		return strings.Compare(a.Value, b.Value)
	})
	return slices.CompactFunc(out, func(a, b Record) bool { return a.Kind == b.Kind && a.Value == b.Value })
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func mustPrefix(v string) netip.Prefix {
	if p, err := netip.ParsePrefix(v); err == nil {
		return p
	}
	a := netip.MustParseAddr(v)
	return netip.PrefixFrom(a, a.BitLen())
}

// write encodes records in format f and returns the body.
func write(t testing.TB, f Format, m Meta, recs []Record) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// lines splits a body into its lines, refusing a missing final newline.
func lines(t testing.TB, body string) []string {
	t.Helper()
	if body == "" {
		return nil
	}
	if !strings.HasSuffix(body, "\n") {
		t.Fatalf("body does not end with a newline: %q", body[max(0, len(body)-40):])
	}
	return strings.Split(strings.TrimSuffix(body, "\n"), "\n")
}

func parseQuery(q string) (map[string][]string, error) { return url.ParseQuery(q) }
