package taxii

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// page is one page of a paginated endpoint.
type page struct {
	l       *listing
	entries []hub.CollectionEntry
	more    bool
}

// next is the page's next cursor, "" when no page follows.
func (p *page) next() string {
	if !p.more {
		return ""
	}
	return p.l.nextCursor(p.entries[len(p.entries)-1].DateAdded)
}

// readPage resolves the collection (404 when the caller may neither read
// nor write it, 403 when it may only write), the object for the object
// and versions endpoints, parses the request and reads one page.
func (h *Handler) readPage(r *request, ep endpoint) (*page, error) {
	c, err := h.findCollection(r)
	if err != nil {
		return nil, err
	}
	if !h.canRead(r, c) {
		return nil, newError(http.StatusForbidden, hub.CodeForbidden, "the token may not read this collection")
	}
	oid := ""
	if ep == epObject || ep == epVersions {
		oid = r.segs[3]
		if _, _, err := stix.ParseIdentifier(oid); err != nil {
			return nil, newError(http.StatusNotFound, hub.CodeNotFound, "no such object")
		}
	}
	l, err := parseListing(r.URL.Query(), ep, c.ID, oid)
	if err != nil {
		return nil, err
	}
	if h.deps.Reader == nil {
		return nil, fmt.Errorf("read collection: no reader configured: %w", hub.ErrUnavailable)
	}
	p := &page{l: l}
	if !l.none {
		q := l.q
		q.Limit++
		if !q.WithoutRaw {
			q.MaxBytes = h.cfg.MaxPageBytes
		}
		if p.entries, err = h.deps.Reader.CollectionEntries(r.Context(), r.viewer(), &c.Filter, &q); err != nil {
			return nil, fmt.Errorf("read collection: %w", err)
		}
		p.entries, p.more = trimPage(p.entries, l.q.Limit, q.MaxBytes)
	}
	if oid != "" && len(p.entries) == 0 {
		// 404 only when the collection shows the caller no version of the
		// object at all; a filter that excludes every version is an empty
		// page.
		any, err := h.deps.Reader.CollectionEntries(r.Context(), r.viewer(), &c.Filter,
			&hub.CollectionQuery{IDs: []string{oid}, Versions: hub.VersionMatch{All: true}, Limit: 1, WithoutRaw: true})
		if err != nil {
			return nil, fmt.Errorf("read collection: %w", err)
		}
		if len(any) == 0 {
			return nil, newError(http.StatusNotFound, hub.CodeNotFound, "no such object in this collection")
		}
	}
	return p, nil
}

// trimPage cuts entries (read with one entry beyond the page) to at most
// limit entries and, when maxBytes is positive, to the entries whose raw
// bytes fit in maxBytes (the first one always stays: it is never larger
// than a POST body). more reports whether anything was cut.
func trimPage(entries []hub.CollectionEntry, limit int, maxBytes int64) ([]hub.CollectionEntry, bool) {
	var size int64
	for i := range entries {
		size += int64(len(entries[i].Raw))
		if i == limit || i > 0 && maxBytes > 0 && size > maxBytes {
			return entries[:i], true
		}
	}
	return entries, false
}

// writePage sends a paginated answer with the date-added headers of a
// non-empty page. body is the JSON after the opening brace's "more" and
// "next" members.
//
// The body is built at its final size (entries of a manifest or versions
// page are small, an envelope's are the raw objects), and the page's
// entries are let go before the body is written, so a client that reads
// slowly holds one copy of the page, not two.
func writePage(w http.ResponseWriter, p *page, member string, items func(b *bytes.Buffer, e *hub.CollectionEntry)) {
	var b bytes.Buffer
	size := 128
	for i := range p.entries {
		size += len(p.entries[i].Raw) + 160
	}
	b.Grow(size)
	b.WriteString(`{"more":`)
	b.WriteString(strconv.FormatBool(p.more))
	if next := p.next(); next != "" {
		b.WriteString(`,"next":"` + next + `"`) // base64url: nothing to escape
	}
	if len(p.entries) > 0 {
		b.WriteString(`,"` + member + `":[`)
		for i := range p.entries {
			if i > 0 {
				b.WriteByte(',')
			}
			items(&b, &p.entries[i])
		}
		b.WriteByte(']')
		w.Header().Set("X-TAXII-Date-Added-First", formatTime(p.entries[0].DateAdded))
		w.Header().Set("X-TAXII-Date-Added-Last", formatTime(p.entries[len(p.entries)-1].DateAdded))
	}
	b.WriteString("}\n")
	p.entries = nil
	writeBody(w, http.StatusOK, b.Bytes())
}

// writeEnvelope sends the objects of a page, each with its original
// bytes as received and signed.
func writeEnvelope(w http.ResponseWriter, p *page) {
	writePage(w, p, "objects", func(b *bytes.Buffer, e *hub.CollectionEntry) { b.Write(e.Raw) })
}

// getObjects answers GET {api-root}/collections/{id}/objects/.
func (h *Handler) getObjects(w http.ResponseWriter, r *request) error {
	p, err := h.readPage(r, epObjects)
	if err != nil {
		return err
	}
	writeEnvelope(w, p)
	return nil
}

// object answers GET {api-root}/collections/{id}/objects/{object-id}/.
func (h *Handler) object(w http.ResponseWriter, r *request) error {
	p, err := h.readPage(r, epObject)
	if err != nil {
		return err
	}
	writeEnvelope(w, p)
	return nil
}

// manifestRecord is section 5.3.1.
type manifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type"`
}

// manifest answers GET {api-root}/collections/{id}/manifest/.
func (h *Handler) manifest(w http.ResponseWriter, r *request) error {
	p, err := h.readPage(r, epManifest)
	if err != nil {
		return err
	}
	writePage(w, p, "objects", func(b *bytes.Buffer, e *hub.CollectionEntry) {
		m, _ := json.Marshal(manifestRecord{ID: e.ID, DateAdded: formatTime(e.DateAdded), Version: e.Modified, MediaType: stixMediaType})
		b.Write(m)
	})
	return nil
}

// versions answers GET {api-root}/collections/{id}/objects/{object-id}/versions/.
func (h *Handler) versions(w http.ResponseWriter, r *request) error {
	p, err := h.readPage(r, epVersions)
	if err != nil {
		return err
	}
	writePage(w, p, "versions", func(b *bytes.Buffer, e *hub.CollectionEntry) {
		m, _ := json.Marshal(e.Modified)
		b.Write(m)
	})
	return nil
}
