package taxii

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// Prefix is where the adapter is mounted; APIRoot is the name of its one
// API root.
const (
	Prefix  = "/taxii2/"
	APIRoot = "jag"
)

// Page sizes (README "TAXII 2.1"): a request without limit gets
// DefaultLimit entries per page, and a larger limit than MaxLimit is
// capped, not refused (the spec lets the server return fewer).
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Config is what operators choose.
type Config struct {
	// Title, Description and Contact describe the server in discovery.
	Title, Description, Contact string
	// BaseURL, when set (https://hub.example), makes the API root URL in
	// discovery absolute; otherwise it is the absolute path /taxii2/jag/.
	BaseURL string
	// MaxContentLength bounds a POST body (default 16 MiB); larger is 413.
	MaxContentLength int64
	// MaxPageBytes bounds the objects of one page of the objects and
	// object endpoints in bytes (default MaxContentLength): a page stops
	// adding objects at the budget, not only at the limit, and says more
	// with a next. A page always holds at least one object, which is never
	// larger than a POST body.
	MaxPageBytes int64
	// RequestTimeout bounds the work of one request (default 30 s).
	RequestTimeout time.Duration
	// StatusRetention is how long a POST's status resource stays readable
	// (default 7 days).
	StatusRetention time.Duration
	// PublicAccess lets anonymous requests read (TLP:CLEAR only), as the
	// REST API does when the hub is configured so.
	PublicAccess bool
}

// Handler serves the TAXII 2.1 API under Prefix.
type Handler struct {
	cfg     Config
	deps    Deps
	log     zerolog.Logger
	metrics *metrics
}

// New builds a Handler.
func New(cfg Config, d Deps, log zerolog.Logger) *Handler {
	if cfg.Title == "" {
		cfg.Title = "JAG threat-intelligence hub"
	}
	if cfg.MaxContentLength <= 0 {
		cfg.MaxContentLength = 16 << 20
	}
	if cfg.MaxPageBytes <= 0 {
		cfg.MaxPageBytes = cfg.MaxContentLength
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.StatusRetention <= 0 {
		cfg.StatusRetention = 7 * 24 * time.Hour
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Handler{cfg: cfg, deps: d, log: log, metrics: newMetrics(d.Metrics)}
}

// request is one routed request: the principal (nil when anonymous) and
// the path segments after the API root.
type request struct {
	*http.Request
	p    *auth.Principal
	segs []string
}

// viewer is the visibility the request reads with.
func (r *request) viewer() hub.Viewer {
	if r.p == nil {
		return hub.Viewer{}
	}
	return hub.Viewer{Org: r.p.Org, Tier: r.p.Tier}
}

// statusWriter records the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP routes, authenticates and answers one request. The log line
// names the method, the path (never the query, which carries filters
// only, nor any header), the status and the duration.
//
// The context bounds the request's work to RequestTimeout; connection
// deadlines bound its time on the wire, which the context cannot: the
// body must arrive within RequestTimeout and the answer must be taken
// within twice RequestTimeout, so a client that trickles its body or
// stops reading a page (up to MaxPageBytes held) is cut off. The server
// has no global write timeout (it would cut the websocket feed), so the
// write deadline is cleared once the answer is flushed, for the next
// request on the connection.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(start.Add(h.cfg.RequestTimeout))
	_ = rc.SetWriteDeadline(start.Add(2 * h.cfg.RequestTimeout))
	defer func() {
		_ = rc.Flush()
		_ = rc.SetWriteDeadline(time.Time{})
	}()
	sw := &statusWriter{ResponseWriter: w}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	ep := "unmatched"
	if err := h.serve(sw, r, &ep); err != nil {
		writeError(sw, r, &h.log, err)
	}
	h.metrics.observe(ep, sw.status, time.Since(start))
	h.log.Info().Str("method", r.Method).Str("path", auth.RedactPath(r.URL.Path)).Int("status", sw.status).
		Dur("duration", time.Since(start)).Msg("taxii request")
}

// Owns reports whether path is a TAXII path (its first non-empty segment
// is taxii2), for the process's top-level dispatch.
func Owns(path string) bool {
	segs := segments(path)
	return len(segs) > 0 && segs[0] == strings.Trim(Prefix, "/")
}

// segments splits a path into its non-empty segments: a missing trailing
// slash and doubled slashes name the same resource.
func segments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// serve routes r; ep receives the endpoint's metric label once known.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, ep *string) error {
	segs := segments(r.URL.Path)
	if len(segs) == 0 || segs[0] != strings.Trim(Prefix, "/") {
		return newError(http.StatusNotFound, hub.CodeNotFound, "not a TAXII resource")
	}
	p, err := h.authenticate(r)
	if err != nil {
		return err
	}
	req := &request{Request: r, p: p}
	if len(segs) == 1 {
		*ep = "discovery"
		return h.route(w, req, "GET", h.discovery)
	}
	if segs[1] != APIRoot {
		return newError(http.StatusNotFound, hub.CodeNotFound, "no such API root; the API root is "+Prefix+APIRoot+"/")
	}
	req.segs = segs[2:]
	switch s := req.segs; {
	case len(s) == 0:
		*ep = "api_root"
		return h.route(w, req, "GET", h.apiRoot)
	case s[0] == "status" && len(s) == 2:
		*ep = "status"
		return h.route(w, req, "GET", h.status)
	case s[0] != "collections":
	case len(s) == 1:
		*ep = "collections"
		return h.route(w, req, "GET", h.collections)
	case len(s) == 2:
		*ep = "collection"
		return h.route(w, req, "GET", h.collection)
	case len(s) == 3 && s[2] == "objects":
		if r.Method == http.MethodPost {
			*ep = "add_objects"
			return h.acceptFirst(w, req, h.addObjects)
		}
		*ep = "objects"
		return h.route(w, req, "GET, POST", h.getObjects)
	case len(s) == 3 && s[2] == "manifest":
		*ep = "manifest"
		return h.route(w, req, "GET", h.manifest)
	case len(s) == 4 && s[2] == "objects":
		*ep = "object"
		return h.route(w, req, "GET", h.object)
	case len(s) == 5 && s[2] == "objects" && s[4] == "versions":
		*ep = "versions"
		return h.route(w, req, "GET", h.versions)
	}
	return newError(http.StatusNotFound, hub.CodeNotFound, "not a TAXII resource")
}

// route answers a GET (or HEAD) with fn, other methods with 405.
func (h *Handler) route(w http.ResponseWriter, r *request, allow string, fn func(http.ResponseWriter, *request) error) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return methodNotAllowed(allow)
	}
	return h.acceptFirst(w, r, fn)
}

// acceptFirst checks the Accept header, then runs fn.
func (h *Handler) acceptFirst(w http.ResponseWriter, r *request, fn func(http.ResponseWriter, *request) error) error {
	if !acceptable(r.Header.Values("Accept")) {
		return newError(http.StatusNotAcceptable, "not_acceptable", "accept "+MediaType)
	}
	return fn(w, r)
}

// authenticate returns the principal of the request's credentials; nil
// for an anonymous request when public access is on. No credentials
// otherwise, or bad ones, wrap auth.ErrUnauthorized.
func (h *Handler) authenticate(r *http.Request) (*auth.Principal, error) {
	token, err := auth.CredentialsFromRequest(r)
	if err != nil {
		return nil, err
	}
	if token == "" {
		if h.cfg.PublicAccess {
			return nil, nil
		}
		return nil, auth.ErrUnauthorized
	}
	if h.deps.Tokens == nil {
		return nil, hub.ErrUnavailable
	}
	return h.deps.Tokens.Verify(r.Context(), token)
}

// writeJSON writes a TAXII answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"title":"Internal Server Error","http_status":"500"}`)
	}
	writeBody(w, status, append(b, '\n'))
}

// writeBody writes an encoded TAXII answer.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", MediaType)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
