package export

import (
	"bufio"
	"crypto/sha256"
	"fmt"
)

// stixWriter streams a STIX 2.1 bundle whose objects are the stored
// originals, byte for byte, so every signature still verifies. The bundle
// id is a UUID derived from the entity tag: the same export is the same
// bytes.
type stixWriter struct {
	w     *bufio.Writer
	meta  Meta
	n     int
	begun bool
}

func newSTIXWriter(w *bufio.Writer, m Meta) *stixWriter {
	return &stixWriter{w: w, meta: m}
}

// BundleID returns the bundle id of the export with entity tag tag: a
// version-4-shaped UUID taken from SHA-256 of the tag.
func BundleID(tag string) string {
	h := sha256.Sum256([]byte("jag export bundle\x00" + tag))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("bundle--%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (s *stixWriter) begin() {
	if !s.begun {
		s.begun = true
		fmt.Fprintf(s.w, `{"type":"bundle","id":%q`, BundleID(s.meta.Tag))
	}
}

func (s *stixWriter) Write(r *Record) error {
	s.begin()
	if len(r.Raw) == 0 {
		return nil
	}
	if s.n == 0 {
		s.w.WriteString(`,"objects":[`)
	} else {
		s.w.WriteByte(',')
	}
	s.n++
	s.w.WriteByte('\n')
	if _, err := s.w.Write(r.Raw); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func (s *stixWriter) Close() error {
	s.begin()
	if s.n > 0 {
		s.w.WriteString("\n]")
	}
	// STIX forbids an empty objects list: an empty export has none.
	s.w.WriteString("}\n")
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}
