package tlogapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/translog"
)

// fakeStore is a log of n entries, hashed in memory, with one checkpoint.
type fakeStore struct {
	entries [][]byte
	hashes  []tlog.Hash
	note    []byte
	size    int64
	cosigs  []translog.Cosignature
}

func newFakeStore(t *testing.T, n int, signer note.Signer) *fakeStore {
	t.Helper()
	s := &fakeStore{}
	r := tlog.HashReaderFunc(s.read)
	for i := range n {
		e := []byte(`{"kind":"object","n":` + strings.Repeat("1", i+1) + `}`)
		hs, err := tlog.StoredHashes(int64(i), e, r)
		if err != nil {
			t.Fatal(err)
		}
		s.entries, s.hashes = append(s.entries, e), append(s.hashes, hs...)
	}
	root, err := translog.TreeHash(int64(n), r)
	if err != nil {
		t.Fatal(err)
	}
	s.size = int64(n)
	if s.note, err = translog.SignCheckpoint(translog.Checkpoint{Origin: signer.Name(), Size: s.size, Hash: root}, signer); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *fakeStore) read(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = s.hashes[x]
	}
	return out, nil
}

func (s *fakeStore) TreeSize(context.Context) (int64, error) { return s.size, nil }
func (s *fakeStore) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	return s.read(idx)
}
func (s *fakeStore) Entries(_ context.Context, start int64, n int) ([][]byte, error) {
	return s.entries[start:min(start+int64(n), s.size)], nil
}
func (s *fakeStore) LatestCheckpoint(context.Context) ([]byte, int64, []string, error) {
	var lines []string
	for _, c := range s.cosigs {
		lines = append(lines, c.Line)
	}
	return s.note, s.size, lines, nil
}
func (s *fakeStore) CheckpointAt(_ context.Context, size int64) ([]byte, error) {
	if size != s.size {
		return nil, translog.ErrNoCheckpoint
	}
	return s.note, nil
}
func (s *fakeStore) SaveCosignature(_ context.Context, c translog.Cosignature) error {
	s.cosigs = append(s.cosigs, c)
	return nil
}

func TestHandler(t *testing.T) {
	skey, vkey, err := translog.GenerateLogKey("test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	store := newFakeStore(t, 3, signer)
	h := New(&translog.Log{Store: store, Keys: []note.Verifier{verifier}, VerifierKeys: []string{vkey}})
	do := func(method, path, body, org string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if org != "-" {
			req = req.WithContext(auth.NewContext(req.Context(), &auth.Principal{Org: org}))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	t.Run("OK", func(t *testing.T) {
		rec := do("GET", "/v1/log/checkpoint", "", "")
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" || rec.Body.String() != string(store.note) {
			t.Fatalf("checkpoint: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		if rec := do("GET", "/v1/log/key", "", ""); rec.Code != 200 || rec.Body.String() != vkey+"\n" {
			t.Fatalf("key: %d %q", rec.Code, rec.Body)
		}
		rec = do("GET", "/v1/log/tile/0/000.p/3", "", "")
		if rec.Code != 200 || rec.Body.Len() != 3*32 || rec.Header().Get("Content-Type") != "application/octet-stream" {
			t.Fatalf("tile: %d %d", rec.Code, rec.Body.Len())
		}
		rec = do("GET", "/v1/log/tile/entries/000.p/2", "", "")
		es, err := translog.DecodeBundle(rec.Body.Bytes(), 2)
		if rec.Code != 200 || err != nil || string(es[1]) != string(store.entries[1]) {
			t.Fatalf("bundle: %d %v", rec.Code, err)
		}
	})

	t.Run("ErrUnauthorized", func(t *testing.T) {
		for _, p := range []string{"/v1/log/checkpoint", "/v1/log/key", "/v1/log/tile/0/000.p/3", "/v1/log/nothing"} {
			if rec := do("GET", p, "", "-"); rec.Code != 401 || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("anonymous GET %s = %d %s", p, rec.Code, rec.Body)
			}
		}
	})

	t.Run("ErrMethodNotAllowed", func(t *testing.T) {
		for _, tc := range []struct{ method, path, allow string }{
			{"DELETE", "/v1/log/checkpoint", "GET"},
			{"POST", "/v1/log/tile/0/000.p/3", "GET"},
			{"GET", "/v1/log/cosignatures", "POST"},
		} {
			rec := do(tc.method, tc.path, "", "")
			if rec.Code != 405 || rec.Header().Get("Allow") != tc.allow || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s = %d Allow %q, want 405 Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.allow)
			}
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, p := range []string{"/v1/log/tile/0/000.p/4", "/v1/log/tile/0/000", "/v1/log/tile/1/000.p/1", "/v1/log/tile/0/0", "/v1/log/tile/entries/001.p/1", "/v1/log/nothing"} {
			if rec := do("GET", p, "", ""); rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s = %d %s", p, rec.Code, rec.Body)
			}
		}
	})

	wskey, wvkey, _ := translog.GenerateWitnessKey("witness.example/w")
	cosigner, _ := translog.NewCosigner(wskey, nil)
	s, err := translog.OpenCheckpoint(store.note, verifier)
	if err != nil {
		t.Fatal(err)
	}
	line, err := translog.Cosign(s, cosigner)
	if err != nil {
		t.Fatal(err)
	}
	body := func(key, cp string) string {
		b, _ := json.Marshal(CosignatureRequest{Key: key, Checkpoint: cp})
		return string(b)
	}

	t.Run("ErrCosignature", func(t *testing.T) {
		otherS, _, _ := translog.GenerateLogKey("test.example/log")
		other, _ := note.NewSigner(otherS)
		forged, _ := translog.SignCheckpoint(s.Checkpoint, other)
		for _, tc := range []struct {
			name, body, org string
			status          int
		}{
			{"anonymous", body(wvkey, string(store.note)+line), "-", 401},
			{"no org", body(wvkey, string(store.note)+line), "", 403},
			{"not JSON", "{", "identity--x", 400},
			{"unknown field", `{"key":"k","checkpoint":"c","x":1}`, "identity--x", 400},
			{"trailing", body(wvkey, string(store.note)+line) + "{}", "identity--x", 400},
			{"too large", `{"key":"` + strings.Repeat("a", maxCosignatureBody) + `"}`, "identity--x", 413},
			{"bad key", body("nope", string(store.note)+line), "identity--x", 400},
			{"no cosignature", body(wvkey, string(store.note)), "identity--x", 400},
			{"not the log's", body(wvkey, string(forged)+line), "identity--x", 400},
		} {
			rec := do("POST", "/v1/log/cosignatures", tc.body, tc.org)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s, want %d", tc.name, rec.Code, rec.Body, tc.status)
			}
			if tc.name == "bad key" || tc.name == "no cosignature" || tc.name == "not the log's" {
				if !strings.Contains(rec.Body.String(), `"code":"invalid_signature"`) {
					t.Errorf("%s: %s, want code invalid_signature", tc.name, rec.Body)
				}
			}
		}
		if len(store.cosigs) != 0 {
			t.Fatalf("a refused cosignature was stored: %+v", store.cosigs)
		}
	})

	t.Run("Cosignature", func(t *testing.T) {
		rec := do("POST", "/v1/log/cosignatures", body(wvkey, string(store.note)+line), "identity--x")
		if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"size":3`) {
			t.Fatalf("cosignature: %d %s", rec.Code, rec.Body)
		}
		rec = do("GET", "/v1/log/checkpoint", "", "")
		w, _ := translog.NewCosignatureVerifier(wvkey)
		got, err := translog.OpenCheckpoint(rec.Body.Bytes(), verifier, w)
		if err != nil || got.CosignedBy([]note.Verifier{w}) != 1 {
			t.Fatalf("checkpoint with the cosignature: %v\n%s", err, rec.Body)
		}
	})
}
