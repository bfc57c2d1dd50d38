package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// `jag lookup` follows the hub's pages and prints each value's whole
// result once, every match with its object.
func TestLookupFollowsPages(t *testing.T) {
	t.Parallel()
	pages := []string{
		`{"first":0,"results":[{"value":"a.example","kind":"domain","count":0,"matches":[]},` +
			`{"value":"b.example","kind":"domain","count":1,"matches":[{"match":"exact","id":"indicator--1","ref":"indicator--1/o"}]}],` +
			`"objects":{"indicator--1/o":{"id":"indicator--1","name":"one"}},"truncated":true,"next":"p2"}`,
		`{"first":1,"results":[{"value":"b.example","kind":"domain","count":1,"matches":[{"match":"parent_domain","id":"indicator--2","ref":"indicator--2/o"}]},` +
			`{"value":"c.example","kind":"domain","count":1,"matches":[{"match":"exact","id":"indicator--1","ref":"indicator--1/o"}]}],` +
			`"objects":{"indicator--1/o":{"id":"indicator--1","name":"one"},"indicator--2/o":{"id":"indicator--2"}}}`,
	}
	var nexts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Values []string
			Next   string
		}
		if r.Method != "POST" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Values) != 3 {
			http.Error(w, "bad", 400)
			return
		}
		nexts = append(nexts, req.Next)
		w.Header().Set("Content-Type", "application/json")
		if req.Next == "p2" {
			w.Write([]byte(pages[1]))
			return
		}
		w.Write([]byte(pages[0]))
	}))
	defer srv.Close()
	e, out, errb := testEnv(map[string]string{"JAG_SERVER": srv.URL, "JAG_TOKEN": "t"})
	e.stdin = strings.NewReader("a.example\nb.example\nc.example\n")
	if code := run(context.Background(), e, []string{"lookup"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if strings.Join(nexts, ",") != ",p2" {
		t.Fatalf("cursors sent: %q", nexts)
	}
	want := `{"value":"a.example","kind":"domain","count":0,"matches":[]}
{"value":"b.example","kind":"domain","count":2,"matches":[{"match":"exact","id":"indicator--1","object":{"id":"indicator--1","name":"one"}},{"match":"parent_domain","id":"indicator--2","object":{"id":"indicator--2"}}]}
{"value":"c.example","kind":"domain","count":1,"matches":[{"match":"exact","id":"indicator--1","object":{"id":"indicator--1","name":"one"}}]}
`
	if out.String() != want {
		t.Fatalf("output\n%s\nwant\n%s", out, want)
	}
}
