package rest

import (
	"io"
	"net/http"
	"time"
)

// BodyTiming bounds request bodies in time.
type BodyTiming struct {
	// Grace is how long any request body may take before MinRate applies
	// (default 10 s).
	Grace time.Duration
	// MinRate is the slowest accepted body upload in bytes per second
	// after Grace (default 64 KiB/s): a body of n bytes must arrive
	// within Grace + n/MinRate.
	MinRate int64
}

func (t BodyTiming) withDefaults() BodyTiming {
	if t.Grace <= 0 {
		t.Grace = 10 * time.Second
	}
	if t.MinRate <= 0 {
		t.MinRate = 64 << 10
	}
	return t
}

// bodyDeadline bounds the reading of every request body, on every route
// (the unknown-path one included) and before authentication: the
// connection's read deadline is set Grace ahead when the request has a
// body (this bounds net/http's discarding of a body the handler did not
// read), set Grace ahead again when the handler starts reading it (a
// handler may wait first, for ingest budget), and moves on as bytes
// arrive, to Grace + bytes/MinRate after the reading started. A client that trickles its body (slowloris) hits it: the
// read fails, the handler answers or gives up, and the connection closes.
// When the body ends the deadline is cleared, so a long handler after a
// complete body is not cut (net/http, which then watches the connection
// for the client going away, clears it too). Requests without a body (GET, and the websocket
// upgrade, which gorilla clears of deadlines anyway) get no deadline.
//
// It must wrap the server's own ResponseWriter (it sets deadlines through
// http.ResponseController).
func bodyDeadline(t BodyTiming, h http.Handler) http.Handler {
	t = t.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		start := time.Now()
		if err := rc.SetReadDeadline(start.Add(t.Grace)); err != nil {
			h.ServeHTTP(w, r) // not a net/http connection (tests): nothing to bound
			return
		}
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc, start: start, t: t}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody moves the read deadline on as the body arrives.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	start   time.Time
	t       BodyTiming
	read    int64
	started bool
	done    bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	if !b.started {
		b.started, b.start = true, time.Now()
		_ = b.rc.SetReadDeadline(b.start.Add(b.t.Grace))
	}
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case err == io.EOF:
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	case err == nil && n > 0:
		allowed := time.Duration(float64(b.read) / float64(b.t.MinRate) * float64(time.Second))
		_ = b.rc.SetReadDeadline(b.start.Add(b.t.Grace + allowed))
	}
	return n, err
}
