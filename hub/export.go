package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/jag-hub/jag/hub/export"
)

// ExportStore is the storage the flat exports need (hub/postgres). Every
// method that reads indicators applies the visibility rule for the viewer
// inside the query.
type ExportStore interface {
	// ExportPosition returns the feed position and receive time of the
	// latest indicator version v may see, among the creators and TLP
	// levels f allows (zero when none). It reads no object rows.
	ExportPosition(ctx context.Context, v Viewer, f export.Filter) (position int64, received time.Time, err error)
	// Export runs q for v in one snapshot: it calls begin with the
	// export's Version, then emit with every Record in the order
	// q.Format.Need() promises. An error from begin or emit stops it and
	// is returned as it is.
	Export(ctx context.Context, v Viewer, q ExportQuery, begin func(export.Version) error, emit func(*export.Record) error) error
	// ExportDefinition returns the named definition; ErrNotFound when
	// there is none.
	ExportDefinition(ctx context.Context, name string) (ExportDefinition, error)
	// ExportDefinitions returns every definition by name.
	ExportDefinitions(ctx context.Context) ([]ExportDefinition, error)
	// PutExportDefinition creates or replaces a definition (created
	// reports which).
	PutExportDefinition(ctx context.Context, d ExportDefinition) (created bool, err error)
	// DeleteExportDefinition removes a definition; ErrNotFound when there
	// is none.
	DeleteExportDefinition(ctx context.Context, name string) error
}

// ExportQuery is one export as the store runs it.
type ExportQuery struct {
	Format export.Format
	Filter export.Filter
	// At is the instant validity is judged at: Filter.ValidAt, or now.
	At time.Time
	// Kinds are the observable kinds exported (Filter.Kinds); nil: any.
	Kinds []string
}

// ExportDefinition is a named export: a format and filters an appliance
// reaches at a short, stable URL. What it serves is judged for whoever
// asks.
type ExportDefinition struct {
	Name      string
	Format    export.Format
	Filter    export.Filter
	CreatedBy string // the subject of the admin token that wrote it
	CreatedAt time.Time
	UpdatedAt time.Time
}

// exportNamePattern is what a definition name may be: a URL path segment
// that needs no escaping.
var exportNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CheckExportName refuses a name that is not 1-63 lower-case letters,
// digits, '.', '_' or '-', starting with a letter or digit.
func CheckExportName(name string) error {
	if !exportNamePattern.MatchString(name) {
		return badExport("an export name is 1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return nil
}

// Export limits.
const (
	// MaxConcurrentExports bounds the exports one replica streams at once:
	// each holds a database connection and snapshot while its client
	// reads. Conditional polls answered 304 do not count.
	MaxConcurrentExports = 8
	// exportQueueWait is how long an export waits for a free slot before
	// the caller is told to retry (503).
	exportQueueWait = 5 * time.Second
)

// ExportService serves the flat exports: it answers a conditional poll
// from the position alone (no object row read) and otherwise streams the
// export from one snapshot.
type ExportService struct {
	store   ExportStore
	now     func() time.Time
	tempDir string
	slots   chan struct{}
}

// NewExportService returns the service over store; now nil means
// time.Now, tempDir "" the system's temporary directory (Suricata rules
// are spooled there).
func NewExportService(store ExportStore, now func() time.Time, tempDir string) *ExportService {
	if now == nil {
		now = time.Now
	}
	return &ExportService{store: store, now: now, tempDir: tempDir, slots: make(chan struct{}, MaxConcurrentExports)}
}

// ExportRequest is one GET of an export.
type ExportRequest struct {
	Viewer          Viewer
	Format          export.Format
	Filter          export.Filter
	IfNoneMatch     string    // the If-None-Match header ("" : none)
	IfModifiedSince time.Time // the If-Modified-Since header (zero: none); ignored with IfNoneMatch
	// HeadOnly stops after Begin: the caller wants the headers only.
	HeadOnly bool
}

// ExportResponse is where the service answers: exactly one of
// NotModified and Begin is called, before anything is written.
type ExportResponse interface {
	// NotModified answers that the client's copy (tag) is current.
	NotModified(tag string, lastModified time.Time)
	// Begin starts a full answer and returns where its body goes.
	Begin(tag string, lastModified time.Time) io.Writer
}

// ErrExportAborted wraps an error that happened after Begin: the body is
// incomplete, and the transport must make that visible (abort the
// connection) rather than end it normally.
var ErrExportAborted = errors.New("export aborted after the body began")

// errNotModified stops the store once the full version shows the
// client's copy is current, or once a HEAD has its headers.
var errNotModified = errors.New("not modified")

// viewerKey is the part of the viewer the visibility rule reads.
func viewerKey(v Viewer) string { return v.Org + "/" + v.Tier }

// Serve answers one export request.
func (s *ExportService) Serve(ctx context.Context, req ExportRequest, resp ExportResponse) error {
	if s.store == nil {
		return fmt.Errorf("export: %w: no export store configured", ErrUnavailable)
	}
	key := viewerKey(req.Viewer)
	now := s.now()
	if req.IfNoneMatch != "" {
		pos, received, err := s.store.ExportPosition(ctx, req.Viewer, req.Filter)
		if err != nil {
			return fmt.Errorf("export position: %w", err)
		}
		var matched string
		if export.NotModified(req.IfNoneMatch, now, func(next time.Time) string {
			matched = export.Tag(req.Format, req.Filter, key, pos, next)
			return matched
		}) && matched != "" {
			lm := export.Version{Received: received}.LastModified()
			resp.NotModified(matched, lm)
			return nil
		}
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-time.After(exportQueueWait):
		return fmt.Errorf("export: %w: too many exports in progress", ErrUnavailable)
	case <-ctx.Done():
		return fmt.Errorf("export: %w", ctx.Err())
	}
	kinds, _ := req.Filter.Kinds(req.Format)
	q := ExportQuery{Format: req.Format, Filter: req.Filter, At: now, Kinds: kinds}
	if !req.Filter.ValidAt.IsZero() {
		q.At = req.Filter.ValidAt
	}
	var w export.Writer
	begin := func(v export.Version) error {
		if !req.Filter.ValidAt.IsZero() {
			v.NextBoundary = time.Time{} // a fixed instant: the content never expires
		}
		tag := export.VersionTag(req.Format, req.Filter, key, v)
		lm := v.LastModified()
		fresh := req.IfNoneMatch != "" && export.NotModified(req.IfNoneMatch, now, func(time.Time) string { return tag })
		if !fresh && req.IfNoneMatch == "" && !req.IfModifiedSince.IsZero() {
			fresh = !lm.After(req.IfModifiedSince)
		}
		if fresh {
			resp.NotModified(tag, lm)
			return errNotModified
		}
		if req.HeadOnly {
			resp.Begin(tag, lm)
			return errNotModified
		}
		var err error
		w, err = export.NewWriter(resp.Begin(tag, lm), req.Format,
			export.Meta{Tag: tag, LastModified: lm, Serial: v.Serial(), TempDir: s.tempDir})
		return err
	}
	emit := func(r *export.Record) error { return w.Write(r) }
	err := s.store.Export(ctx, req.Viewer, q, begin, emit)
	switch {
	case errors.Is(err, errNotModified):
		return nil
	case err != nil && w != nil:
		return fmt.Errorf("export: %w: %w", ErrExportAborted, err)
	case err != nil:
		return fmt.Errorf("export: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("export: %w: %w", ErrExportAborted, err)
	}
	return nil
}

// Definition returns a named export definition.
func (s *ExportService) Definition(ctx context.Context, name string) (ExportDefinition, error) {
	if s.store == nil {
		return ExportDefinition{}, fmt.Errorf("export definitions: %w: no export store configured", ErrUnavailable)
	}
	if err := CheckExportName(name); err != nil {
		return ExportDefinition{}, fmt.Errorf("get export definition: %w", ErrNotFound)
	}
	d, err := s.store.ExportDefinition(ctx, name)
	if err != nil {
		return ExportDefinition{}, fmt.Errorf("get export definition: %w", err)
	}
	return d, nil
}

// Definitions lists the named export definitions.
func (s *ExportService) Definitions(ctx context.Context) ([]ExportDefinition, error) {
	if s.store == nil {
		return nil, fmt.Errorf("export definitions: %w: no export store configured", ErrUnavailable)
	}
	ds, err := s.store.ExportDefinitions(ctx)
	if err != nil {
		return nil, fmt.Errorf("list export definitions: %w", err)
	}
	return ds, nil
}

// PutDefinition creates or replaces a named definition.
func (s *ExportService) PutDefinition(ctx context.Context, d ExportDefinition) (bool, error) {
	if s.store == nil {
		return false, fmt.Errorf("export definitions: %w: no export store configured", ErrUnavailable)
	}
	if err := CheckExportName(d.Name); err != nil {
		return false, err
	}
	if _, err := export.ParseFormat(string(d.Format)); err != nil {
		return false, badExport(err.Error())
	}
	created, err := s.store.PutExportDefinition(ctx, d)
	if err != nil {
		return false, fmt.Errorf("put export definition: %w", err)
	}
	return created, nil
}

// DeleteDefinition removes a named definition.
func (s *ExportService) DeleteDefinition(ctx context.Context, name string) error {
	if s.store == nil {
		return fmt.Errorf("export definitions: %w: no export store configured", ErrUnavailable)
	}
	if err := CheckExportName(name); err != nil {
		return fmt.Errorf("delete export definition: %w", ErrNotFound)
	}
	if err := s.store.DeleteExportDefinition(ctx, name); err != nil {
		return fmt.Errorf("delete export definition: %w", err)
	}
	return nil
}

// badExport is a refusal of a bad export request.
func badExport(detail string) error {
	return &Error{Code: CodeBadRequest, Detail: detail}
}
