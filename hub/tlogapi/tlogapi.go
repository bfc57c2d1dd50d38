// Package tlogapi serves the hub's transparency log (package translog)
// over HTTP, under /v1/log/, in the formats of C2SP tlog-tiles:
//
//	GET  /v1/log/checkpoint                 the newest signed checkpoint, with the cosignatures held for it
//	GET  /v1/log/key                        the log's note verifier key(s), newest first, one per line
//	GET  /v1/log/tile/<L>/<N>[.p/<W>]       a hash tile
//	GET  /v1/log/tile/entries/<N>[.p/<W>]   an entry bundle
//	POST /v1/log/cosignatures               a witness's cosignature of a published checkpoint
//
// The Handler is mounted beside the REST API (rest.Deps.Mounts, pattern
// Prefix) behind the hub's authentication, and enforces its own access
// rule: any valid token (401 without one), and a participant's token to
// post a cosignature (attributed to that participant). Errors are the one
// problem+json shape (hub/problem). Responses are bounded: a
// tile is at most 8 KiB, a bundle at most 256 entries of at most 64 KiB,
// a cosignature body at most 64 KiB. Safe for concurrent use.
package tlogapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
	"github.com/jag-hub/jag/hub/translog"
)

// Prefix is where the handler is mounted.
const Prefix = "/v1/log/"

// maxCosignatureBody bounds a cosignature submission.
const maxCosignatureBody = 64 << 10

// CosignatureRequest is the body of POST /v1/log/cosignatures: the
// witness's vkey (C2SP tlog-cosignature, type 0x04) and the checkpoint as
// the hub published it with the witness's signature line added.
type CosignatureRequest struct {
	Key        string `json:"key"`
	Checkpoint string `json:"checkpoint"`
}

// CosignatureResponse is the answer of POST /v1/log/cosignatures.
type CosignatureResponse struct {
	Witness string `json:"witness"`
	Size    int64  `json:"size"`
}

// Handler serves the log.
type Handler struct {
	log *translog.Log
	mux *http.ServeMux
}

// New returns the handler of log.
func New(log *translog.Log) *Handler {
	h := &Handler{log: log, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET "+Prefix+"checkpoint", h.checkpoint)
	h.mux.HandleFunc("GET "+Prefix+"key", h.key)
	h.mux.HandleFunc("GET "+Prefix+"tile/", h.tile)
	h.mux.HandleFunc("POST "+Prefix+"cosignatures", h.cosign)
	h.mux.HandleFunc(Prefix, h.notFound)
	return h
}

// notFound answers what no log route matches: 405 with Allow when the
// path is a route under another method, else 404.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != Prefix && m != r.Method {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		problem.Write(w, r, hub.Errorf(hub.CodeMethodNotAllowed, "%s is not allowed here; use %s", r.Method, strings.Join(allow, " or ")))
		return
	}
	problem.Write(w, r, hub.ErrNotFound)
}

// ServeHTTP implements http.Handler: any valid token, then the log's
// routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := auth.FromContext(r.Context()); !ok {
		problem.Write(w, r, hub.Errorf(hub.CodeUnauthorized, "a valid bearer token is required"))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// Handler returns the log route that serves r and its pattern, so the
// hub's request metrics count each route under its own pattern.
func (h *Handler) Handler(r *http.Request) (http.Handler, string) {
	_, pattern := h.mux.Handler(r)
	return h, pattern
}

func (h *Handler) checkpoint(w http.ResponseWriter, r *http.Request) {
	msg, err := h.log.Checkpoint(r.Context())
	if errors.Is(err, translog.ErrNoCheckpoint) {
		err = fmt.Errorf("%w: %w", hub.ErrUnavailable, err)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(msg)
}

func (h *Handler) key(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = io.WriteString(w, strings.Join(h.log.VerifierKeys, "\n")+"\n")
}

func (h *Handler) tile(w http.ResponseWriter, r *http.Request) {
	data, full, err := h.log.Tile(r.Context(), strings.TrimPrefix(r.URL.Path, Prefix+"tile/"))
	if errors.Is(err, translog.ErrNoSuchTile) {
		err = fmt.Errorf("%w: %w", hub.ErrNotFound, err)
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	// A tile's content never changes (a partial tile names its width),
	// but partial tiles may later be dropped for the full one.
	if full {
		w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "private, max-age=60")
	}
	_, _ = w.Write(data)
}

func (h *Handler) cosign(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.FromContext(r.Context())
	if !ok || p.Org == "" {
		problem.Write(w, r, hub.Errorf(hub.CodeForbidden, "only a participant's token may submit a cosignature"))
		return
	}
	var req CosignatureRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCosignatureBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			problem.Write(w, r, err)
			return
		}
		problem.Write(w, r, hub.Errorf(hub.CodeInvalidJSON, "the body is not a cosignature request"))
		return
	}
	if dec.More() {
		problem.Write(w, r, hub.Errorf(hub.CodeInvalidJSON, "trailing data after the request"))
		return
	}
	c, err := h.log.AddCosignature(r.Context(), p.Org, req.Key, []byte(req.Checkpoint))
	if errors.Is(err, translog.ErrCosignature) {
		err = hub.Errorf(hub.CodeInvalidSignature, "%s", err.Error())
	}
	if err != nil {
		problem.Write(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	name, _, _ := strings.Cut(req.Key, "+")
	_ = json.NewEncoder(w).Encode(CosignatureResponse{Witness: name, Size: c.Size})
}
