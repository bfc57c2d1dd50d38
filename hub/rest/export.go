package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/export"
)

// Export timing: an export may stream for a long time, but a client that
// stops reading for exportWriteStall is cut off (it holds a database
// snapshot and one of the hub.MaxConcurrentExports slots), and no export
// runs longer than exportMaxDuration.
const (
	exportWriteStall  = time.Minute
	exportMaxDuration = 15 * time.Minute
)

// handleExport answers GET /v1/exports/{format} with the export filters
// as query parameters (hub/export ParseFilter).
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	format, err := export.ParseFormat(r.PathValue("format"))
	if err != nil {
		refuse(w, r, hub.CodeNotFound, err.Error())
		return
	}
	filter, err := export.ParseFilter(r.URL.Query())
	if err != nil {
		refuse(w, r, hub.CodeBadRequest, strings.TrimPrefix(err.Error(), "export: "))
		return
	}
	s.serveExport(w, r, format, filter)
}

// handleExportByName answers GET /v1/exports/by-name/{name}: the named
// definition's format and filters, judged for this caller.
func (s *Server) handleExportByName(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		refuse(w, r, hub.CodeBadRequest, "a named export takes no parameters: its definition holds the filters")
		return
	}
	d, err := s.exports().Definition(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, r, err)
		return
	}
	s.serveExport(w, r, d.Format, d.Filter)
}

func (s *Server) exports() *hub.ExportService {
	if s.deps.Exports == nil {
		return hub.NewExportService(nil, nil, "")
	}
	return s.deps.Exports
}

// exportResponse is hub.ExportResponse over an http.ResponseWriter.
type exportResponse struct {
	w      http.ResponseWriter
	format export.Format
	began  bool
}

// commonHeaders are what both answers carry: the export is the caller's
// own view, so no shared cache may keep it.
func (e *exportResponse) commonHeaders(tag string, lm time.Time) {
	h := e.w.Header()
	h.Set("ETag", tag)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Vary", "Authorization")
	if !lm.IsZero() {
		h.Set("Last-Modified", lm.UTC().Format(http.TimeFormat))
	}
}

func (e *exportResponse) NotModified(tag string, lm time.Time) {
	e.commonHeaders(tag, lm)
	e.w.WriteHeader(http.StatusNotModified)
}

func (e *exportResponse) Begin(tag string, lm time.Time) io.Writer {
	e.began = true
	e.commonHeaders(tag, lm)
	h := e.w.Header()
	h.Set("Content-Type", e.format.ContentType())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", `inline; filename="jag-`+string(e.format)+e.format.Extension()+`"`)
	e.w.WriteHeader(http.StatusOK)
	return &stallWriter{w: e.w, rc: http.NewResponseController(e.w)}
}

// stallWriter extends the connection's write deadline before every write,
// so a client that stops reading is cut off after exportWriteStall while
// a slow but steady one may take as long as it needs.
type stallWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *stallWriter) Write(p []byte) (int, error) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(exportWriteStall))
	return s.w.Write(p)
}

// serveExport runs one export for the caller.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request, format export.Format, filter export.Filter) {
	ctx, cancel := context.WithTimeout(r.Context(), exportMaxDuration)
	defer cancel()
	req := hub.ExportRequest{Viewer: viewerOf(r), Format: format, Filter: filter,
		IfNoneMatch: r.Header.Get("If-None-Match"), HeadOnly: r.Method == http.MethodHead}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && req.IfNoneMatch == "" {
		if t, err := http.ParseTime(ims); err == nil {
			req.IfModifiedSince = t
		}
	}
	resp := &exportResponse{w: w, format: format}
	err := s.exports().Serve(ctx, req, resp)
	switch {
	case err == nil:
	case resp.began || errors.Is(err, hub.ErrExportAborted):
		// The status line is gone: end the connection without the final
		// chunk, so no client takes a truncated export for a whole one.
		hlog.FromRequest(r).Error().Err(err).Str("format", string(format)).Msg("export aborted")
		panic(http.ErrAbortHandler)
	default:
		fail(w, r, err)
	}
}

// exportDefinitionView is a named definition as the admin routes show it.
type exportDefinitionView struct {
	Name      string    `json:"name"`
	Format    string    `json:"format"`
	Filter    string    `json:"filter"`
	Path      string    `json:"path"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func definitionView(d hub.ExportDefinition) exportDefinitionView {
	return exportDefinitionView{Name: d.Name, Format: string(d.Format), Filter: d.Filter.Query(),
		Path: "/v1/exports/by-name/" + d.Name, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// handleListExports answers GET /v1/admin/exports.
func (s *Server) handleListExports(w http.ResponseWriter, r *http.Request) {
	ds, err := s.exports().Definitions(r.Context())
	if err != nil {
		fail(w, r, err)
		return
	}
	views := make([]exportDefinitionView, 0, len(ds))
	for _, d := range ds {
		views = append(views, definitionView(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"exports": views})
}

// handleGetExport answers GET /v1/admin/exports/{name}.
func (s *Server) handleGetExport(w http.ResponseWriter, r *http.Request) {
	d, err := s.exports().Definition(r.Context(), r.PathValue("name"))
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, definitionView(d))
}

// handlePutExport answers PUT /v1/admin/exports/{name} with body
// {"format":"ip","filter":"label=apt&min_confidence=70"}: 201 when
// created, 200 when replaced.
func (s *Server) handlePutExport(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Format string `json:"format"`
		Filter string `json:"filter"`
	}
	if !decodeAdminBody(w, r, &body) {
		return
	}
	format, err := export.ParseFormat(body.Format)
	if err != nil {
		refuse(w, r, hub.CodeBadRequest, strings.TrimPrefix(err.Error(), "export: "))
		return
	}
	q, err := url.ParseQuery(body.Filter)
	if err != nil {
		refuse(w, r, hub.CodeBadRequest, "filter must be a query string such as label=apt&min_confidence=70")
		return
	}
	filter, err := export.ParseFilter(q)
	if err != nil {
		refuse(w, r, hub.CodeBadRequest, strings.TrimPrefix(err.Error(), "export: "))
		return
	}
	by := ""
	if p, ok := auth.FromContext(r.Context()); ok {
		by = p.Subject
	}
	name := r.PathValue("name")
	created, err := s.exports().PutDefinition(r.Context(), hub.ExportDefinition{Name: name, Format: format, Filter: filter, CreatedBy: by})
	if err != nil {
		fail(w, r, err)
		return
	}
	d, err := s.exports().Definition(r.Context(), name)
	if err != nil {
		fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, definitionView(d))
}

// handleDeleteExport answers DELETE /v1/admin/exports/{name} (204).
func (s *Server) handleDeleteExport(w http.ResponseWriter, r *http.Request) {
	if err := s.exports().DeleteDefinition(r.Context(), r.PathValue("name")); err != nil {
		fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// withBasicChallenge adds a Basic challenge to a 401 of an export route:
// appliances (firewalls' external lists) authenticate with HTTP Basic,
// the access token as the password.
func withBasicChallenge(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&challengeWriter{ResponseWriter: w}, r)
	})
}

type challengeWriter struct{ http.ResponseWriter }

func (c *challengeWriter) WriteHeader(status int) {
	if status == http.StatusUnauthorized {
		c.Header().Add("WWW-Authenticate", `Basic realm="jag", charset="UTF-8"`)
	}
	c.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *challengeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
