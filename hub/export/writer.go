package export

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// Record is one row of what a store streams for an export (see Need):
// an indicator's latest visible version, with one of its observables for
// NeedValues and NeedRows, with its original bytes for NeedIndicators.
// NeedValues fills Kind and Value only.
type Record struct {
	ID         string
	Modified   string // as written in the object
	CreatedBy  string
	TLP        string // stored TLP name: clear, green, amber, amber+strict, red
	Confidence *int
	ValidFrom  time.Time
	ValidUntil time.Time // zero: open-ended
	Labels     []string
	Revoked    bool
	Kind       string // observable kind
	Value      string // observable value as indexed (stix/pattern normal form)
	Raw        []byte // the object exactly as received and signed
}

// Meta is what a document states about itself besides its records. It
// must derive from the Version the export was served at, never from the
// clock, so that equal tags mean equal bytes.
type Meta struct {
	// Tag is the entity tag of the export (see Tag); the stix bundle id
	// derives from it.
	Tag string
	// LastModified is Version.LastModified; the Suricata header states it.
	LastModified time.Time
	// Serial is the rpz SOA serial (Version.Serial).
	Serial uint32
	// TempDir is where the suricata writer spools its rules while it
	// counts what it skips ("" : the system's temporary directory).
	TempDir string
}

// Writer encodes Records, in the order Format.Need promises, onto an
// io.Writer. Close completes the document and flushes it; it does not
// close the underlying writer. A Writer that returned an error must not
// be used again.
type Writer interface {
	Write(r *Record) error
	Close() error
}

// NewWriter returns the writer of format f.
func NewWriter(w io.Writer, f Format, m Meta) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch f {
	case IP:
		return &listWriter{w: bw, keep: func(v string) bool { _, ok := prefixOf(v); return ok }}, nil
	case URL, SHA256, SHA1, MD5:
		return &listWriter{w: bw}, nil
	case Domain:
		l := &listWriter{w: bw}
		l.domains = newDomainMerger(l.line)
		return l, nil
	case RPZ:
		return newRPZWriter(bw, m), nil
	case CSV:
		return newCSVWriter(bw)
	case STIX:
		return newSTIXWriter(bw, m), nil
	case Suricata:
		return newSuricataWriter(bw, m)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, f)
}

// listWriter writes one value per line, nothing else: the external
// dynamic list format of firewalls (PAN-OS EDL, FortiGate threat feeds,
// pf tables). Values arrive sorted and distinct; a repeat is dropped all
// the same.
type listWriter struct {
	w       *bufio.Writer
	last    string
	domains *domainMerger     // Domain only
	keep    func(string) bool // IP: refuses networks that are too broad
}

func (l *listWriter) Write(r *Record) error {
	if l.domains != nil {
		return l.domains.add(r.Value)
	}
	if l.keep != nil && !l.keep(r.Value) {
		return nil
	}
	return l.line(r.Value)
}

func (l *listWriter) line(v string) error {
	if v == l.last || v == "" {
		return nil
	}
	l.last = v
	if _, err := l.w.WriteString(v); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	if err := l.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func (l *listWriter) Close() error {
	if l.domains != nil {
		if err := l.domains.flush(); err != nil {
			return err
		}
	}
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}
