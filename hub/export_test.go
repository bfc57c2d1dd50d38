package hub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/jag-hub/jag/hub/export"
)

// fakeExports is an in-memory ExportStore: one version and some values,
// counting what is read.
type fakeExports struct {
	ver       export.Version
	values    []string
	positions int // ExportPosition calls
	exports   int // Export calls (the only reader of object rows)
	rowsRead  int
}

func (f *fakeExports) ExportPosition(context.Context, Viewer, export.Filter) (int64, time.Time, error) {
	f.positions++
	return f.ver.Position, f.ver.Received, nil
}

func (f *fakeExports) Export(_ context.Context, _ Viewer, _ ExportQuery, begin func(export.Version) error, emit func(*export.Record) error) error {
	f.exports++
	if err := begin(f.ver); err != nil {
		return err
	}
	for _, v := range f.values {
		f.rowsRead++
		if err := emit(&export.Record{Kind: "ipv4", Value: v}); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeExports) ExportDefinition(context.Context, string) (ExportDefinition, error) {
	return ExportDefinition{}, ErrNotFound
}
func (f *fakeExports) ExportDefinitions(context.Context) ([]ExportDefinition, error) { return nil, nil }
func (f *fakeExports) PutExportDefinition(context.Context, ExportDefinition) (bool, error) {
	return true, nil
}
func (f *fakeExports) DeleteExportDefinition(context.Context, string) error { return ErrNotFound }

// recorder is an ExportResponse.
type recorder struct {
	status int
	tag    string
	body   bytes.Buffer
}

func (r *recorder) NotModified(tag string, _ time.Time) { r.status, r.tag = 304, tag }
func (r *recorder) Begin(tag string, _ time.Time) io.Writer {
	r.status, r.tag = 200, tag
	return &r.body
}

func TestExportService(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	store := &fakeExports{ver: export.Version{Position: 7, Received: now.Add(-time.Hour), NextBoundary: now.Add(time.Minute)},
		values: []string{"192.0.2.1", "192.0.2.2"}}
	svc := NewExportService(store, func() time.Time { return clock }, t.TempDir())
	ctx := context.Background()
	viewer := Viewer{Org: orgB, Tier: "member"}
	serve := func(inm string, head bool) *recorder {
		t.Helper()
		var r recorder
		if err := svc.Serve(ctx, ExportRequest{Viewer: viewer, Format: export.IP, IfNoneMatch: inm, HeadOnly: head}, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}

	t.Run("OK", func(t *testing.T) {
		r := serve("", false)
		if r.status != 200 || r.body.String() != "192.0.2.1\n192.0.2.2\n" || r.tag != export.VersionTag(export.IP, export.Filter{}, orgB+"/member", store.ver) {
			t.Fatalf("%d %q %s", r.status, r.body.String(), r.tag)
		}
	})
	t.Run("NotModifiedReadsNoRows", func(t *testing.T) {
		tag := serve("", false).tag
		exports, rows := store.exports, store.rowsRead
		r := serve(tag, false)
		if r.status != 304 || r.tag != tag || store.exports != exports || store.rowsRead != rows {
			t.Fatalf("%d, Export calls %d→%d, rows %d→%d", r.status, exports, store.exports, rows, store.rowsRead)
		}
	})
	t.Run("PositionMoves", func(t *testing.T) {
		tag := serve("", false).tag
		store.ver.Position++
		if r := serve(tag, false); r.status != 200 || r.tag == tag {
			t.Fatalf("%d %s", r.status, r.tag)
		}
	})
	t.Run("BoundaryPasses", func(t *testing.T) {
		tag := serve("", false).tag
		clock = now.Add(time.Minute)
		store.ver.NextBoundary = now.Add(time.Hour)
		defer func() { clock = now }()
		if r := serve(tag, false); r.status != 200 || r.tag == tag {
			t.Fatalf("%d %s", r.status, r.tag)
		}
	})
	t.Run("HeadReadsNoRows", func(t *testing.T) {
		rows := store.rowsRead
		if r := serve("", true); r.status != 200 || r.body.Len() != 0 || store.rowsRead != rows {
			t.Fatalf("%d %d bytes, rows %d→%d", r.status, r.body.Len(), rows, store.rowsRead)
		}
	})
	t.Run("ErrUnavailable", func(t *testing.T) {
		none := NewExportService(nil, nil, "")
		var r recorder
		if err := none.Serve(ctx, ExportRequest{Format: export.IP}, &r); !errors.Is(err, ErrUnavailable) || r.status != 0 {
			t.Fatalf("%v %d", err, r.status)
		}
		if _, err := none.Definition(ctx, "x"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("definition: %v", err)
		}
	})
	t.Run("ErrBadName", func(t *testing.T) {
		var he *Error
		if _, err := svc.PutDefinition(ctx, ExportDefinition{Name: "Bad Name", Format: export.IP}); !errors.As(err, &he) || he.Code != CodeBadRequest {
			t.Fatalf("%v", err)
		}
		if _, err := svc.Definition(ctx, "../x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
}
