package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TAXII 2.1 helpers of the end-to-end tests.

const taxiiMedia = "application/taxii+json;version=2.1"

// taxiiBasic is an Authorization value the way Sentinel, Splunk and MISP
// send a token: HTTP Basic with the token as password.
func taxiiBasic(token string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("soc-tool:"+token))
}

// taxiiSend makes one TAXII request; authz is the whole Authorization
// value ("" none); hdr are extra header pairs (a "" value deletes).
func taxiiSend(method, u, authz, body string, hdr ...string) (answer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Accept", taxiiMedia)
	if body != "" {
		req.Header.Set("Content-Type", taxiiMedia)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := e2eClient.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &a.Body)
	if ct := resp.Header.Get("Content-Type"); ct != taxiiMedia {
		return a, fmt.Errorf("%s %s: Content-Type %q (status %d)", method, u, ct, resp.StatusCode)
	}
	return a, nil
}

// taxiiDo is taxiiSend for the test's goroutine.
func taxiiDo(t testing.TB, method, u, authz, body string, hdr ...string) answer {
	t.Helper()
	a, err := taxiiSend(method, u, authz, body, hdr...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// taxiiError checks a TAXII error message of status.
func taxiiError(t testing.TB, a answer, status int) {
	t.Helper()
	if a.Status != status || a.Body["title"] == nil || a.Body["http_status"] != fmt.Sprint(status) {
		t.Fatalf("want a TAXII error %d, got %d %s", status, a.Status, a.Raw)
	}
}

// taxiiPage is a decoded objects, manifest or versions answer.
type taxiiPage struct {
	More     bool              `json:"more"`
	Next     string            `json:"next"`
	Objects  []json.RawMessage `json:"objects"`
	Versions []string          `json:"versions"`
	Last     string            `json:"-"` // X-TAXII-Date-Added-Last
}

// taxiiGetPage fetches one page and checks the paging invariants.
func taxiiGetPage(u, authz string) (taxiiPage, error) {
	a, err := taxiiSend(http.MethodGet, u, authz, "")
	if err != nil {
		return taxiiPage{}, err
	}
	if a.Status != http.StatusOK {
		return taxiiPage{}, fmt.Errorf("GET %s: %d %s", u, a.Status, a.Raw)
	}
	var p taxiiPage
	if err := json.Unmarshal(a.Raw, &p); err != nil {
		return p, err
	}
	p.Last = a.Header.Get("X-TAXII-Date-Added-Last")
	n := len(p.Objects) + len(p.Versions)
	switch {
	case p.More != (p.Next != ""):
		return p, fmt.Errorf("GET %s: more %v with next %q", u, p.More, p.Next)
	case (n > 0) != (p.Last != "" && a.Header.Get("X-TAXII-Date-Added-First") != ""):
		return p, fmt.Errorf("GET %s: %d entries, date-added headers %q", u, n, p.Last)
	}
	return p, nil
}

// withParam adds name=value to u.
func withParam(u, name, value string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value)
}

// versionKey is "id@modified" of a raw object.
func versionKey(raw []byte) string {
	var o struct{ ID, Modified, Created string }
	_ = json.Unmarshal(raw, &o)
	if o.Modified == "" {
		o.Modified = o.Created
	}
	return o.ID + "@" + o.Modified
}

// restVersions pages through GET /v1/objects?query with token and returns
// every version key: what the REST API shows that principal.
func restVersions(t testing.TB, base, query, token string) []string {
	t.Helper()
	var out []string
	next := ""
	for {
		u := base + "/v1/objects?limit=1000" + query
		if next != "" {
			u += "&next=" + url.QueryEscape(next)
		}
		a := hubGet(t, u, token)
		if a.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, a.Status, a.Raw)
		}
		var page struct {
			Objects []json.RawMessage `json:"objects"`
			Next    string            `json:"next"`
		}
		if err := json.Unmarshal(a.Raw, &page); err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			out = append(out, versionKey(o))
		}
		if page.Next == "" {
			return out
		}
		next = page.Next
	}
}

// envelope wraps objects in a TAXII envelope.
func envelope(objs ...string) string {
	return `{"objects":[` + strings.Join(objs, ",") + `]}`
}
