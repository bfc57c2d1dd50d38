package rest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// lookupMatch is one match of a lookup answer; the object itself is in
// the answer's "objects", once, under Ref (its id and creator: one org's
// copy of an id is a lineage of its own).
type lookupMatch struct {
	Match      string          `json:"match"`
	Observable matchObservable `json:"observable"`
	ID         string          `json:"id"`
	Modified   string          `json:"modified"`
	Type       string          `json:"type"`
	CreatedBy  string          `json:"created_by"`
	Received   string          `json:"received"`
	Revoked    bool            `json:"revoked"`
	Ref        string          `json:"ref"`
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
	Value   string        `json:"value"`
	Kind    string        `json:"kind,omitempty"`
	Error   string        `json:"error,omitempty"`
	Count   int           `json:"count"`
	Matches []lookupMatch `json:"matches"`
}

// handleLookup answers GET /v1/lookup?value=V[&next=C][&objects=false]:
// V's result with "objects" (each matched object once, by id; none with
// objects=false) and, when the byte budget cut it, "truncated": true and
// "next".
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := onlyParams(q, "value", "next", "objects"); err != nil {
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
	after, err := lookupCursor(q["next"])
	if err != nil {
		fail(w, r, err)
		return
	}
	objects := true
	switch o := q["objects"]; {
	case len(o) == 0:
	case len(o) == 1 && (o[0] == "true" || o[0] == "false"):
		objects = o[0] == "true"
	default:
		fail(w, r, badParam("objects", "must be true or false"))
		return
	}
	ans, err := s.deps.Queries.Lookup(r.Context(), viewerOf(r), values, after, objects)
	if err != nil {
		fail(w, r, err)
		return
	}
	bw := streamJSON(w)
	res := lookupResult{Value: values[0]}
	if len(ans.Results) > 0 {
		res = resultOf(ans.Results[0])
	}
	head, err := marshalNoEscape(res)
	if err != nil {
		fail(w, r, err)
		return
	}
	_, _ = bw.Write(head[:len(head)-1]) // drop the closing brace
	writeLookupTail(bw, ans)
}

// lookupCursor parses the next parameter of a lookup (nil when absent).
func lookupCursor(next []string) (*hub.LookupAfter, error) {
	switch {
	case len(next) == 0:
		return nil, nil
	case len(next) > 1 || next[0] == "":
		return nil, badParam("next", "must be given once, not empty")
	}
	a, err := hub.ParseLookupCursor(next[0])
	if err != nil {
		return nil, badParam("next", "is not a cursor this hub issued")
	}
	return &a, nil
}

// lookupRequest is the body of POST /v1/lookup.
type lookupRequest struct {
	Values []string `json:"values"`
	Next   string   `json:"next,omitempty"`
	// Objects false leaves the objects out (default true).
	Objects *bool `json:"objects,omitempty"`
}

// handleLookupBatch answers POST /v1/lookup {"values":[…]}: one result per
// value, in the order given, from the cursor's value on ("next" in the
// body, the same values again). A value that is not recognised gets an
// error in its result rather than failing the whole batch.
func (s *Server) handleLookupBatch(w http.ResponseWriter, r *http.Request) {
	var req lookupRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if problem.IsMaxBytes(err) {
			fail(w, r, err)
			return
		}
		refuse(w, r, hub.CodeInvalidJSON, "body must be {\"values\":[\"…\"]} (optionally \"next\" and \"objects\")")
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
	var next []string
	if req.Next != "" {
		next = []string{req.Next}
	}
	after, err := lookupCursor(next)
	if err != nil {
		fail(w, r, err)
		return
	}
	ans, err := s.deps.Queries.Lookup(r.Context(), viewerOf(r), req.Values, after, req.Objects == nil || *req.Objects)
	if err != nil {
		fail(w, r, err)
		return
	}
	bw := streamJSON(w)
	// "first": the index in values of results[0] (a page after a cursor
	// starts at the value the last one stopped in)
	_, _ = bw.WriteString(`{"first":` + strconv.Itoa(ans.First) + `,"results":[`)
	for i, res := range ans.Results {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		one, err := marshalNoEscape(resultOf(res))
		if err != nil {
			// headers are sent: end the body short (the client's JSON
			// decoder fails) rather than send a second status
			hlogError(r, err)
			return
		}
		_, _ = bw.Write(one)
	}
	_ = bw.WriteByte(']')
	writeLookupTail(bw, ans)
}

// resultOf is the wire form of one value's result.
func resultOf(res hub.LookupResult) lookupResult {
	out := lookupResult{Value: res.Value, Kind: res.Kind, Error: res.Error, Count: len(res.Matches), Matches: []lookupMatch{}}
	for _, m := range res.Matches {
		out.Matches = append(out.Matches, lookupMatch{
			Match:      m.How,
			Observable: matchObservable{Kind: m.Observable.Kind, Value: m.Observable.Value, Path: m.Observable.Path, Op: m.Observable.Op},
			ID:         m.Object.ID,
			Modified:   m.Object.Modified,
			Type:       m.Object.Type,
			CreatedBy:  m.Object.CreatedBy,
			Received:   formatTime(m.Object.Received),
			Revoked:    m.Object.Revoked,
			Ref:        lookupRef(m.Object),
		})
	}
	return out
}

// lookupRef is the key of an object in a lookup answer's "objects":
// "<id>/<created_by>".
func lookupRef(o hub.ObjectVersion) string { return o.ID + "/" + o.CreatedBy }

// writeLookupTail ends a lookup answer: "objects" (ref → original bytes),
// then "truncated" and "next" when there is more, and flushes.
func writeLookupTail(bw *bufio.Writer, ans hub.LookupAnswer) {
	_, _ = bw.WriteString(`,"objects":{`)
	for i, o := range ans.Objects {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		_, _ = bw.WriteString(strconv.Quote(lookupRef(o))) // STIX ids: nothing to escape
		_ = bw.WriteByte(':')
		_, _ = bw.Write(o.Raw)
	}
	_ = bw.WriteByte('}')
	if ans.Next != nil {
		_, _ = bw.WriteString(`,"truncated":true,"next":`)
		_, _ = bw.WriteString(strconv.Quote(ans.Next.Encode()))
	}
	_, _ = bw.WriteString("}\n")
	_ = bw.Flush()
}
