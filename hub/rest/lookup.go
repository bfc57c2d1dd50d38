package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// lookupMatch is one match of a lookup answer (the object is spliced in
// as its original bytes).
type lookupMatch struct {
	Match      string          `json:"match"`
	Observable matchObservable `json:"observable"`
	ID         string          `json:"id"`
	Modified   string          `json:"modified"`
	Type       string          `json:"type"`
	CreatedBy  string          `json:"created_by"`
	Received   string          `json:"received"`
	Revoked    bool            `json:"revoked"`
}

// matchObservable is the indexed observable that matched.
type matchObservable struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Path  string `json:"path"`
	Op    string `json:"op"`
}

// lookupResult is the answer for one value.
type lookupResult struct {
	Value string `json:"value"`
	Kind  string `json:"kind,omitempty"`
	Error string `json:"error,omitempty"`
	Count int    `json:"count"`
}

// handleLookup answers GET /v1/lookup?value=V.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := onlyParams(q, "value"); err != nil {
		fail(w, r, err)
		return
	}
	values := q["value"]
	if len(values) != 1 || strings.TrimSpace(values[0]) == "" {
		refuse(w, r, hub.CodeBadRequest, "give exactly one value parameter")
		return
	}
	if _, ok := hub.NewProbe(values[0]); !ok {
		refuse(w, r, hub.CodeBadRequest, fmt.Sprintf("value %q is %s", values[0], hub.ErrUnrecognised))
		return
	}
	results, truncated, err := s.deps.Queries.Lookup(r.Context(), viewerOf(r), values)
	if err != nil {
		fail(w, r, err)
		return
	}
	b, err := encodeLookupResult(results[0], truncated)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, b)
}

// lookupRequest is the body of POST /v1/lookup.
type lookupRequest struct {
	Values []string `json:"values"`
}

// handleLookupBatch answers POST /v1/lookup {"values":[…]}: one result per
// value, in the order given. A value that is not recognised gets an error
// in its result rather than failing the whole batch.
func (s *Server) handleLookupBatch(w http.ResponseWriter, r *http.Request) {
	var req lookupRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if problem.IsMaxBytes(err) {
			fail(w, r, err)
			return
		}
		refuse(w, r, hub.CodeInvalidJSON, "body must be {\"values\":[\"…\"]}")
		return
	}
	if dec.More() {
		refuse(w, r, hub.CodeInvalidJSON, "trailing data after the JSON body")
		return
	}
	if len(req.Values) == 0 {
		refuse(w, r, hub.CodeBadRequest, "values is empty")
		return
	}
	results, truncated, err := s.deps.Queries.Lookup(r.Context(), viewerOf(r), req.Values)
	if err != nil {
		fail(w, r, err)
		return
	}
	var b []byte
	b = append(b, `{"results":[`...)
	for i := range results {
		if i > 0 {
			b = append(b, ',')
		}
		one, err := encodeLookupResult(results[i], false)
		if err != nil {
			fail(w, r, err)
			return
		}
		b = append(b, one...)
	}
	b = append(b, ']')
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	b = append(b, "}\n"...)
	writeRawJSON(w, http.StatusOK, b)
}

// encodeLookupResult renders one value's result with every match's
// object as its original bytes.
func encodeLookupResult(res hub.LookupResult, truncated bool) ([]byte, error) {
	head, err := marshalNoEscape(lookupResult{Value: res.Value, Kind: res.Kind, Error: res.Error, Count: len(res.Matches)})
	if err != nil {
		return nil, err
	}
	b := head[:len(head)-1] // drop the closing brace
	b = append(b, `,"matches":[`...)
	for i, m := range res.Matches {
		if i > 0 {
			b = append(b, ',')
		}
		meta := lookupMatch{
			Match:      m.How,
			Observable: matchObservable{Kind: m.Observable.Kind, Value: m.Observable.Value, Path: m.Observable.Path, Op: m.Observable.Op},
			ID:         m.Object.ID,
			Modified:   m.Object.Modified,
			Type:       m.Object.Type,
			CreatedBy:  m.Object.CreatedBy,
			Received:   formatTime(m.Object.Received),
			Revoked:    m.Object.Revoked,
		}
		one, err := withRaw(meta, "object", m.Object.Raw)
		if err != nil {
			return nil, err
		}
		b = append(b, one...)
	}
	b = append(b, ']')
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}'), nil
}
