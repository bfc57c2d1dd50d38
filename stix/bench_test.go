package stix

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecodeValidatePegasus measures strict decoding plus full
// validation (patterns included) of the Amnesty Pegasus dataset.
func BenchmarkDecodeValidatePegasus(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "datasets", "amnesty-pegasus.stix2.json"))
	if err != nil {
		b.Fatalf("read dataset: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		bundle, err := DecodeBundle(data, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if probs := validateBundle(bundle); probs != nil {
			b.Fatalf("dataset has problems: %v", probs[0])
		}
		n += len(bundle.Objects)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkDecodePegasus isolates the JSON decoder.
func BenchmarkDecodePegasus(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "datasets", "amnesty-pegasus.stix2.json"))
	if err != nil {
		b.Fatalf("read dataset: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBundle(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
