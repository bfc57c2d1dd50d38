package stix

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusFiles lists the OASIS example bundles and the two datasets that
// must validate with zero problems.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	root := "testdata" // copies of /shared: the OASIS examples and the datasets
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "oasis", "examples"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Ext(p) == ".json" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list examples: %v", err)
	}
	files = append(files,
		filepath.Join("testdata", "seeds.json"),
		filepath.Join(root, "datasets", "amnesty-pegasus.stix2.json"),
		filepath.Join(root, "datasets", "mvt-predator.stix2.json"))
	if len(files) < 10 {
		t.Fatalf("found only %d corpus files", len(files))
	}
	return files
}

func TestCorpusValidates(t *testing.T) {
	for _, f := range corpusFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range validateFile(t, data) {
				t.Errorf("problem: %s", p)
			}
		})
	}
}

// validateFile decodes and validates a corpus document, which is a bundle
// or (interop-objectmarking-test.json) a single object.
func validateFile(t testing.TB, data []byte) []Problem {
	t.Helper()
	o, err := DecodeObject(data, Limits{})
	if err != nil {
		t.Fatalf("DecodeObject: %v", err)
	}
	if o.Type != "bundle" {
		return validateObject(o, "")
	}
	b, err := DecodeBundle(data, Limits{})
	if err != nil {
		t.Fatalf("DecodeBundle: %v", err)
	}
	if len(b.Objects) == 0 {
		t.Fatal("no objects decoded")
	}
	return validateBundle(b)
}
