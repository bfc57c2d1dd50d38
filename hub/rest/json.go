package rest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rs/zerolog/hlog"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// fail answers err as a problem (hub/problem: the one mapping of errors
// to HTTP for every surface).
func fail(w http.ResponseWriter, r *http.Request, err error) { problem.Write(w, r, err) }

// refuse answers a refusal with code and detail.
func refuse(w http.ResponseWriter, r *http.Request, code, detail string) {
	problem.Write(w, r, &hub.Error{Code: code, Detail: detail})
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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

// streamJSON starts a 200 JSON answer written as it is produced (no
// Content-Length): an answer of objects is never copied whole into one
// more buffer.
func streamJSON(w http.ResponseWriter) *bufio.Writer {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return bufio.NewWriterSize(w, 32<<10)
}

// hlogError logs a failure after the answer's status was sent.
func hlogError(r *http.Request, err error) {
	hlog.FromRequest(r).Error().Err(err).Msg("answer cut short")
}

// writeObjectList streams {"objects":[…]} (plus "next" when non-empty)
// with every object's original bytes spliced in, not re-encoded.
func writeObjectList(w http.ResponseWriter, vs []hub.ObjectVersion, next string) {
	b := streamJSON(w)
	_, _ = b.WriteString(`{"objects":[`)
	for i, o := range vs {
		if i > 0 {
			_ = b.WriteByte(',')
		}
		_, _ = b.Write(o.Raw)
	}
	_ = b.WriteByte(']')
	if next != "" {
		_, _ = b.WriteString(`,"next":`)
		_, _ = b.WriteString(strconv.Quote(next)) // base64url: nothing to escape
	}
	_, _ = b.WriteString("}\n")
	_ = b.Flush()
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

// formatTime renders a hub time (microsecond precision) in UTC.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// onlyParams refuses query parameters other than allowed, so a misspelt
// filter is an error rather than silently ignored.
func onlyParams(q map[string][]string, allowed ...string) error {
	for name := range q {
		known := false
		for _, a := range allowed {
			if name == a {
				known = true
				break
			}
		}
		if !known {
			return hub.Errorf(hub.CodeBadRequest, "unknown query parameter %q", name)
		}
	}
	return nil
}

func badParam(name, why string) error {
	return hub.Errorf(hub.CodeBadRequest, "query parameter %q %s", name, why)
}
