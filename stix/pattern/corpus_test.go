package pattern

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// corpusPattern is one indicator pattern from testdata/corpus.jsonl: every
// indicator of the two datasets and of the OASIS examples (see
// testdata/README.md).
type corpusPattern struct {
	Source  string `json:"source"`
	Pattern string `json:"pattern"`
}

func loadCorpus(tb testing.TB) []corpusPattern {
	tb.Helper()
	f, err := os.Open("testdata/corpus.jsonl")
	if err != nil {
		tb.Fatalf("open corpus: %v", err)
	}
	defer f.Close()
	var out []corpusPattern
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var c corpusPattern
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("decode corpus line: %v", err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read corpus: %v", err)
	}
	return out
}

// TestCorpus parses every indicator pattern of the datasets and of the
// OASIS examples, and checks that the canonical rendering parses back to
// itself.
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	perSource := map[string]int{}
	for _, c := range corpus {
		perSource[c.Source]++
		p, err := Parse(c.Pattern)
		if err != nil {
			t.Errorf("%s: Parse(%q): %v", c.Source, c.Pattern, err)
			continue
		}
		canon := p.String()
		q, err := Parse(canon)
		if err != nil {
			t.Errorf("%s: canonical form %q does not parse: %v", c.Source, canon, err)
			continue
		}
		if got := q.String(); got != canon {
			t.Errorf("%s: canonical form is not stable: %q -> %q", c.Source, canon, got)
		}
	}
	// The counts the issue names: 1 549 + 585 dataset indicators.
	for src, want := range map[string]int{"amnesty-pegasus.stix2.json": 1549, "mvt-predator.stix2.json": 585} {
		if got := perSource[src]; got != want {
			t.Errorf("%s: %d patterns in corpus, want %d", src, got, want)
		}
	}
	if len(corpus)-1549-585 < 40 {
		t.Errorf("only %d OASIS example patterns in corpus", len(corpus)-1549-585)
	}
}
