package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// IngestBudget bounds the bundles being ingested at once in bytes (not
// in count): memory follows bytes.
type IngestBudget struct {
	// Bytes is the sum of the body sizes of the bundles being read or
	// ingested at once (default 64 MiB). A body of unknown length
	// reserves the largest allowed body.
	Bytes int64
	// Wait is how long a submission waits for room before it is answered
	// 503 with Retry-After (default 10 s).
	Wait time.Duration
}

func (b IngestBudget) withDefaults() IngestBudget {
	if b.Bytes <= 0 {
		b.Bytes = 64 << 20
	}
	if b.Wait <= 0 {
		b.Wait = 10 * time.Second
	}
	return b
}

// byteBudget is a weighted semaphore in bytes.
type byteBudget struct {
	sem  *semaphore.Weighted
	size int64
	wait time.Duration
}

func newByteBudget(b IngestBudget) *byteBudget {
	b = b.withDefaults()
	return &byteBudget{sem: semaphore.NewWeighted(b.Bytes), size: b.Bytes, wait: b.Wait}
}

// errBusy is the refusal of a submission that found no room in time.
var errBusy = &hub.Error{Code: hub.CodeUnavailable, Detail: "the hub is ingesting as much as it may at once; retry later"}

// acquire reserves n bytes (at most the whole budget, so one maximum-size
// body always fits alone), waiting up to the budget's wait. The returned
// release must be called once the body and everything built from it are
// no longer needed.
func (b *byteBudget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(max(n, 1), b.size)
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errBusy
	}
	return func() { b.sem.Release(n) }, nil
}

// writeBusy answers 503 with a Retry-After of the budget's wait. The body
// is read and discarded first (no memory; its time is bounded like any
// body's): a client still sending a large body when the hub answers and
// closes would get a connection reset instead of the answer.
func (b *byteBudget) writeBusy(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBusy) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(b.wait/time.Second))))
	}
	problem.Write(w, r, err)
}
