package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// viewerOf returns the viewer of r: its principal, or anonymous.
func viewerOf(r *http.Request) hub.Viewer {
	p, _ := auth.FromContext(r.Context())
	return hub.ViewerOf(p)
}

// handleObject answers GET /v1/objects/{id}: the latest visible version
// (its original bytes), ?version=<modified> for one version, or
// ?version=all for {"objects":[…]} with the visible versions, oldest
// first, a page at a time ("next" when more follow; ?version=all&next=…).
func (s *Server) handleObject(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r.URL.Query(), "version", "next"); err != nil {
		fail(w, r, err)
		return
	}
	id, version, err := objectRef(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	next := r.URL.Query()["next"]
	if version != "all" && len(next) > 0 {
		refuse(w, r, hub.CodeBadRequest, "next pages version=all only")
		return
	}
	if version == "all" {
		var after *hub.Cursor
		switch {
		case len(next) > 1 || (len(next) == 1 && next[0] == ""):
			fail(w, r, badParam("next", "must be given once, not empty"))
			return
		case len(next) == 1:
			c, err := hub.ParseCursor(next[0])
			if err != nil {
				fail(w, r, badParam("next", "is not a cursor this hub issued"))
				return
			}
			after = &c
		}
		vs, nextC, err := s.deps.Queries.ObjectVersions(r.Context(), viewerOf(r), id, after)
		if err != nil {
			fail(w, r, err)
			return
		}
		nextS := ""
		if nextC != nil {
			nextS = nextC.Encode()
		}
		writeObjectList(w, vs, nextS)
		return
	}
	o, err := s.deps.Queries.Object(r.Context(), viewerOf(r), id, version)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeRawJSON(w, http.StatusOK, append(append([]byte(nil), o.Raw...), '\n'))
}

// objectRef checks the {id} path value and the version parameter ("",
// "all", or a STIX timestamp).
func objectRef(r *http.Request) (id, version string, err error) {
	id = r.PathValue("id")
	if _, _, err := stix.ParseIdentifier(id); err != nil {
		return "", "", hub.Errorf(hub.CodeBadRequest, "not a STIX identifier: %s", strconv.Quote(id))
	}
	vals := r.URL.Query()["version"]
	switch {
	case len(vals) == 0:
		return id, "", nil
	case len(vals) > 1:
		return "", "", hub.Errorf(hub.CodeBadRequest, "give at most one version parameter")
	case vals[0] == "all":
		return id, "all", nil
	}
	if _, err := stix.ParseTimestamp(vals[0]); err != nil {
		return "", "", hub.Errorf(hub.CodeBadRequest, `version must be a STIX timestamp (the version's "modified") or "all"`)
	}
	return id, vals[0], nil
}

// handleSearch answers GET /v1/objects: {"objects":[…],"next":"…"}, with
// next present only when another page may follow.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	f, after, limit, err := parseSearch(r.URL.Query())
	if err != nil {
		fail(w, r, err)
		return
	}
	vs, next, err := s.deps.Queries.Search(r.Context(), viewerOf(r), f, after, limit)
	if err != nil {
		fail(w, r, err)
		return
	}
	nextS := ""
	if next != nil {
		nextS = next.Encode()
	}
	writeObjectList(w, vs, nextS)
}

// searchParams are the query parameters of GET /v1/objects.
var searchParams = []string{"type", "created_by", "label", "added_after", "added_before", "modified_after",
	"valid_at", "revoked", "observable", "q", "limit", "next"}

// parseSearch reads the filters, cursor and limit of a history search.
func parseSearch(q map[string][]string) (hub.ObjectFilter, *hub.Cursor, int, error) {
	var f hub.ObjectFilter
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
		case !hub.StorableText(v[0]):
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
		p, ok := hub.NewProbe(observable)
		if !ok {
			return f, nil, 0, badParam("observable", "is "+hub.ErrUnrecognised)
		}
		f.Observable = &p
	}
	limit := hub.DefaultSearchLimit
	if limitS != "" {
		n, perr := strconv.Atoi(limitS)
		if perr != nil || n < 1 || n > hub.MaxSearchLimit {
			return f, nil, 0, badParam("limit", fmt.Sprintf("must be between 1 and %d", hub.MaxSearchLimit))
		}
		limit = n
	}
	var after *hub.Cursor
	if next != "" {
		c, perr := hub.ParseCursor(next)
		if perr != nil {
			return f, nil, 0, badParam("next", "is not a cursor this hub issued")
		}
		after = &c
	}
	return f, after, limit, nil
}
