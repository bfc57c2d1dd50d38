package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// Search limits (API.md "GET /v1/objects").
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 1000
)

// Viewer is the principal a read is made for, reduced to what the
// visibility rule (SQL jag_visible, Go auth.Visible) needs. The zero value
// is an anonymous request.
type Viewer struct {
	Org  string
	Tier string
}

// viewerOf returns the viewer of r: its principal, or anonymous.
func viewerOf(r *http.Request) Viewer {
	if p, ok := auth.FromContext(r.Context()); ok {
		return Viewer{Org: p.Org, Tier: p.Tier}
	}
	return Viewer{}
}

// ObjectVersion is one stored object version as the read paths return it:
// a few indexed properties and the original bytes exactly as received.
type ObjectVersion struct {
	ID        string
	Modified  string // as written in the object
	Type      string
	CreatedBy string
	Received  time.Time // when the hub accepted it
	Revoked   bool
	Raw       []byte
}

// ObjectFilter is the conjunction of the history-search filters; zero
// fields do not filter.
type ObjectFilter struct {
	Type          string
	CreatedBy     string
	Label         string
	AddedAfter    time.Time // received strictly after
	AddedBefore   time.Time // received strictly before
	ModifiedAfter time.Time // modified strictly after
	ValidAt       time.Time // valid_from <= t < valid_until (open end when none)
	Revoked       *bool
	Observable    *Probe // the version's pattern names a matching observable
	Text          string // substring of name or description, case-insensitive
}

// Queries is the read side of storage (implemented by hub/postgres). Every
// method applies the visibility rule for the viewer inside the query: a
// version the viewer may not see is indistinguishable from a missing one.
type Queries interface {
	// Object returns the version of id with the given modified string, or
	// the latest visible version when modified is "". Missing or hidden
	// wraps ErrNotFound.
	Object(ctx context.Context, v Viewer, id, modified string) (ObjectVersion, error)
	// ObjectVersions returns every visible version of id, oldest first
	// (empty when none).
	ObjectVersions(ctx context.Context, v Viewer, id string) ([]ObjectVersion, error)
	// SearchObjects returns up to limit visible versions matching f in
	// (received, id, modified) order, strictly after the cursor when
	// after is non-nil.
	SearchObjects(ctx context.Context, v Viewer, f ObjectFilter, after *Cursor, limit int) ([]ObjectVersion, error)
	// Lookup returns up to limit hits for probes, ordered by probe index
	// and object id. Only the latest visible version of an object counts.
	Lookup(ctx context.Context, v Viewer, probes []Probe, limit int) ([]LookupHit, error)
	// Provenance returns what proves where a version came from (modified
	// "" for the latest visible one). Missing or hidden wraps ErrNotFound.
	Provenance(ctx context.Context, v Viewer, id, modified string) (Provenance, error)
	// ParticipantKeys returns every key of a participant, revoked included
	// (auth.KeySource).
	ParticipantKeys(ctx context.Context, participant string) ([]auth.Key, error)
}

// handleObject answers GET /v1/objects/{id}: the latest visible version
// (its original bytes), ?version=<modified> for one version, or
// ?version=all for {"objects":[…]} with every visible version, oldest
// first.
func (s *Server) handleObject(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := onlyParams(q, "version"); err != nil {
		fail(w, r, err)
		return
	}
	id, version, err := objectRef(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	if id == auth.ExtensionID {
		writeExtensionDefinition(w, r, version)
		return
	}
	if s.deps.Queries == nil {
		fail(w, r, fmt.Errorf("get object: %w: no query store configured", ErrUnavailable))
		return
	}
	if version == "all" {
		vs, err := s.deps.Queries.ObjectVersions(r.Context(), viewerOf(r), id)
		if err != nil {
			fail(w, r, fmt.Errorf("get object versions: %w", err))
			return
		}
		if len(vs) == 0 {
			fail(w, r, ErrNotFound)
			return
		}
		writeRawJSON(w, http.StatusOK, objectList(vs, ""))
		return
	}
	o, err := s.deps.Queries.Object(r.Context(), viewerOf(r), id, version)
	if err != nil {
		fail(w, r, fmt.Errorf("get object: %w", err))
		return
	}
	writeRawJSON(w, http.StatusOK, append(append([]byte(nil), o.Raw...), '\n'))
}

// HubIdentity is the STIX identity that creates what the hub itself
// publishes (the signature extension's definition).
const HubIdentity = "identity--4a414700-0000-4000-8000-00000000a9b0"

// extensionModified is the one version of the extension definition.
const extensionModified = "2026-01-01T00:00:00.000Z"

// extensionDefinition is the STIX extension-definition of the signature
// extension (API.md section 1), published at its id.
const extensionDefinition = `{"type":"extension-definition","spec_version":"2.1",` +
	`"id":"` + auth.ExtensionID + `",` +
	`"created_by_ref":"` + HubIdentity + `",` +
	`"created":"` + extensionModified + `","modified":"` + extensionModified + `",` +
	`"name":"JAG object signature","version":"1.0.0","extension_types":["property-extension"],` +
	`"description":"Proves which participant wrote a STIX object, whoever relays it.",` +
	`"schema":"Members: extension_type \"property-extension\"; signature: a detached compact JWS (RFC 7515 appendix F) ` +
	`over the RFC 8785 canonical form of the whole object with only this member removed, protected header exactly ` +
	`alg (EdDSA, ES256, ES384, PS256 or RS256), kid (a key registered to the participant named by created_by_ref) ` +
	`and typ \"stix+jws\"; recipients (optional): identity ids of the participants that may see the object, ` +
	`mandatory for TLP:RED. Keys: GET /v1/participants/{id}/jwks."}`

// writeExtensionDefinition answers GET /v1/objects/{id} for the signature
// extension's definition, which the hub publishes rather than stores.
func writeExtensionDefinition(w http.ResponseWriter, r *http.Request, version string) {
	switch version {
	case "", extensionModified:
		writeRawJSON(w, http.StatusOK, []byte(extensionDefinition+"\n"))
	case "all":
		writeRawJSON(w, http.StatusOK, objectList([]ObjectVersion{{Raw: []byte(extensionDefinition)}}, ""))
	default:
		fail(w, r, ErrNotFound)
	}
}

// objectRef checks the {id} path value and the version parameter ("",
// "all", or a STIX timestamp).
func objectRef(r *http.Request) (id, version string, err error) {
	id = r.PathValue("id")
	if _, _, err := stix.ParseIdentifier(id); err != nil {
		return "", "", NewProblem(http.StatusBadRequest, CodeBadRequest, "not a STIX identifier: "+strconv.Quote(id))
	}
	vals := r.URL.Query()["version"]
	switch {
	case len(vals) == 0:
		return id, "", nil
	case len(vals) > 1:
		return "", "", NewProblem(http.StatusBadRequest, CodeBadRequest, "give at most one version parameter")
	case vals[0] == "all":
		return id, "all", nil
	}
	if _, err := stix.ParseTimestamp(vals[0]); err != nil {
		return "", "", NewProblem(http.StatusBadRequest, CodeBadRequest, `version must be a STIX timestamp (the version's "modified") or "all"`)
	}
	return id, vals[0], nil
}

// searchParams are the query parameters of GET /v1/objects.
var searchParams = []string{"type", "created_by", "label", "added_after", "added_before", "modified_after",
	"valid_at", "revoked", "observable", "q", "limit", "next"}

// handleSearch answers GET /v1/objects: {"objects":[…],"next":"…"}, with
// next present only when another page may follow.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	f, after, limit, err := parseSearch(r.URL.Query())
	if err != nil {
		fail(w, r, err)
		return
	}
	if s.deps.Queries == nil {
		fail(w, r, fmt.Errorf("search objects: %w: no query store configured", ErrUnavailable))
		return
	}
	vs, err := s.deps.Queries.SearchObjects(r.Context(), viewerOf(r), f, after, limit+1)
	if err != nil {
		fail(w, r, fmt.Errorf("search objects: %w", err))
		return
	}
	next := ""
	if len(vs) > limit {
		vs = vs[:limit]
		last := vs[limit-1]
		next = Cursor{Received: last.Received, ID: last.ID, Modified: last.Modified}.Encode()
	}
	writeRawJSON(w, http.StatusOK, objectList(vs, next))
}

// parseSearch reads the filters, cursor and limit of a history search.
func parseSearch(q map[string][]string) (ObjectFilter, *Cursor, int, error) {
	var f ObjectFilter
	if err := onlyParams(q, searchParams...); err != nil {
		return f, nil, 0, err
	}
	one := func(name string) (string, error) {
		v := q[name]
		switch {
		case len(v) == 0:
			return "", nil
		case len(v) > 1:
			return "", badParam(name, "given more than once")
		case v[0] == "":
			return "", badParam(name, "is empty")
		case !storableText(v[0]):
			return "", badParam(name, "is not valid UTF-8 text")
		}
		return v[0], nil
	}
	var err error
	str := func(name string, dst *string) {
		if err == nil {
			*dst, err = one(name)
		}
	}
	stamp := func(name string, dst *time.Time) {
		var v string
		if str(name, &v); err != nil || v == "" {
			return
		}
		t, perr := time.Parse(time.RFC3339Nano, v)
		if perr != nil {
			err = badParam(name, "is not an RFC 3339 time")
			return
		}
		*dst = t.UTC()
	}
	str("type", &f.Type)
	str("created_by", &f.CreatedBy)
	str("label", &f.Label)
	str("q", &f.Text)
	stamp("added_after", &f.AddedAfter)
	stamp("added_before", &f.AddedBefore)
	stamp("modified_after", &f.ModifiedAfter)
	stamp("valid_at", &f.ValidAt)
	var revoked, observable, limitS, next string
	str("revoked", &revoked)
	str("observable", &observable)
	str("limit", &limitS)
	str("next", &next)
	if err != nil {
		return f, nil, 0, err
	}
	if revoked != "" {
		b, perr := strconv.ParseBool(revoked)
		if perr != nil {
			return f, nil, 0, badParam("revoked", "must be true or false")
		}
		f.Revoked = &b
	}
	if observable != "" {
		p, ok := NewProbe(observable)
		if !ok {
			return f, nil, 0, badParam("observable", "is "+errUnrecognised)
		}
		f.Observable = &p
	}
	limit := DefaultSearchLimit
	if limitS != "" {
		n, perr := strconv.Atoi(limitS)
		if perr != nil || n < 1 || n > MaxSearchLimit {
			return f, nil, 0, badParam("limit", fmt.Sprintf("must be between 1 and %d", MaxSearchLimit))
		}
		limit = n
	}
	var after *Cursor
	if next != "" {
		c, perr := ParseCursor(next)
		if perr != nil {
			return f, nil, 0, badParam("next", "is not a cursor this hub issued")
		}
		after = &c
	}
	return f, after, limit, nil
}

func badParam(name, why string) error {
	return NewProblem(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("query parameter %q %s", name, why))
}

// objectList renders {"objects":[…]} (plus "next" when non-empty) with
// every object's original bytes spliced in, not re-encoded.
func objectList(vs []ObjectVersion, next string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i, o := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(o.Raw)
	}
	b.WriteByte(']')
	if next != "" {
		b.WriteString(`,"next":`)
		b.WriteString(strconv.Quote(next)) // base64url: nothing to escape
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// withRaw marshals meta (a struct encoding to a non-empty JSON object) and
// adds member key holding raw, the exact stored bytes.
func withRaw(meta any, key string, raw []byte) ([]byte, error) {
	b, err := marshalNoEscape(meta)
	if err != nil {
		return nil, fmt.Errorf("encode answer: %w", err)
	}
	b = b[:len(b)-1] // drop the closing brace
	b = append(b, ',')
	b = strconv.AppendQuote(b, key)
	b = append(b, ':')
	b = append(b, raw...)
	return append(b, '}'), nil
}

// marshalNoEscape is json.Marshal without HTML escaping and without the
// encoder's trailing newline.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// writeRawJSON writes an already encoded JSON body.
func writeRawJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// storableText reports whether s can be sent to the database as text:
// valid UTF-8 without NUL. PostgreSQL refuses anything else with an error,
// so input that fails this is answered as a client error (or as not found
// for an id) before any query runs.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// formatTime renders a hub time (microsecond precision) in UTC.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
