package hub

import (
	"encoding/hex"
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

func storedVersion(id, modified string, digest byte) StoredObject {
	var d [32]byte
	d[0] = digest
	return StoredObject{ID: id, Modified: modified, SHA256: d}
}

func TestSubmissionDigest(t *testing.T) {
	a := storedVersion("indicator--a", "2026-01-01T00:00:00Z", 1)
	b := storedVersion("indicator--b", "2026-01-01T00:00:00Z", 2)
	b2 := storedVersion("indicator--b", "2026-01-02T00:00:00Z", 2)
	tests := []struct {
		name  string
		x, y  []StoredObject
		equal bool
	}{
		{"order does not matter", []StoredObject{a, b}, []StoredObject{b, a}, true},
		{"another version differs", []StoredObject{a, b}, []StoredObject{a, b2}, false},
		{"another digest differs", []StoredObject{a}, []StoredObject{storedVersion("indicator--a", "2026-01-01T00:00:00Z", 9)}, false},
		{"a subset differs", []StoredObject{a, b}, []StoredObject{a}, false},
		// Without separators "ab"+"c" and "a"+"bc" would collide.
		{"field boundaries count", []StoredObject{storedVersion("ab", "c", 0)}, []StoredObject{storedVersion("a", "bc", 0)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := submissionDigest(tc.x) == submissionDigest(tc.y); got != tc.equal {
				t.Fatalf("digests equal = %v, want %v", got, tc.equal)
			}
		})
	}
}

func TestReceiptPayload(t *testing.T) {
	sub := &Submission{
		ID: "submission--1", Org: "identity--o", BundleID: "bundle--b",
		Received: time.Date(2026, 2, 3, 4, 5, 6, 700, time.FixedZone("x", 3600)),
	}
	p := newReceiptPayload(sub, []StoredObject{
		storedVersion("indicator--b", "2026-01-01T00:00:00Z", 2),
		storedVersion("indicator--a", "2026-01-02T00:00:00Z", 1),
		storedVersion("indicator--a", "2026-01-01T00:00:00Z", 1),
	})
	got, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	h1 := hex.EncodeToString(append([]byte{1}, make([]byte, 31)...))
	h2 := hex.EncodeToString(append([]byte{2}, make([]byte, 31)...))
	want := `{"submission":"submission--1","org":"identity--o","received":"2026-02-03T03:05:06.0000007Z","bundle":"bundle--b","objects":[` +
		`{"id":"indicator--a","modified":"2026-01-01T00:00:00Z","sha256":"` + h1 + `"},` +
		`{"id":"indicator--a","modified":"2026-01-02T00:00:00Z","sha256":"` + h1 + `"},` +
		`{"id":"indicator--b","modified":"2026-01-01T00:00:00Z","sha256":"` + h2 + `"}]}`
	if string(got) != want {
		t.Fatalf("payload\n got %s\nwant %s", got, want)
	}
}

func TestNewSubmissionID(t *testing.T) {
	re := regexp.MustCompile(`^submission--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id, err := newSubmissionID()
		if err != nil {
			t.Fatal(err)
		}
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("id %q (repeat %v)", id, seen[id])
		}
		seen[id] = true
	}
}
