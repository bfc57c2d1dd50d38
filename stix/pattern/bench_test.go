package pattern

import "testing"

// BenchmarkParse parses every corpus pattern (datasets and OASIS
// examples) once per iteration and reports patterns parsed per second.
func BenchmarkParse(b *testing.B) {
	corpus := loadCorpus(b)
	srcs := make([]string, len(corpus))
	for i, c := range corpus {
		srcs[i] = c.Pattern
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, s := range srcs {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(srcs))/b.Elapsed().Seconds(), "parses/s")
}

// BenchmarkParseSimple parses the most common shape in the datasets.
func BenchmarkParseSimple(b *testing.B) {
	const src = "[domain-name:value = 'x']"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "parses/s")
}

// BenchmarkObservables extracts observables from every parsed corpus
// pattern once per iteration.
func BenchmarkObservables(b *testing.B) {
	corpus := loadCorpus(b)
	pats := make([]*Pattern, len(corpus))
	for i, c := range corpus {
		p, err := Parse(c.Pattern)
		if err != nil {
			b.Fatal(err)
		}
		pats[i] = p
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pats {
			p.Observables()
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(pats))/b.Elapsed().Seconds(), "patterns/s")
}
