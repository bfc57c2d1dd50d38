package rest

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// IngestBudget bounds the bundles being ingested at once in bytes (not
// in count): memory follows bytes. It configures the hub.ByteBudget a
// Server builds when Deps.IngestBudget is nil.
type IngestBudget struct {
	// Bytes is the sum of the body sizes of the bundles being read or
	// ingested at once (default 64 MiB). A body of unknown length
	// reserves the largest allowed body.
	Bytes int64
	// Wait is how long a submission waits for room before it is answered
	// 503 with Retry-After (default 10 s).
	Wait time.Duration
}

// Budget returns the hub.ByteBudget b describes, defaults applied.
func (b IngestBudget) Budget() *hub.ByteBudget {
	if b.Bytes <= 0 {
		b.Bytes = 64 << 20
	}
	if b.Wait <= 0 {
		b.Wait = 10 * time.Second
	}
	return hub.NewByteBudget(b.Bytes, b.Wait)
}

// writeBusy answers a submission refused for want of budget: 503 with a
// Retry-After of the budget's wait. The body is read and discarded first
// (no memory; its time is bounded like any body's): a client still
// sending a large body when the hub answers and closes would get a
// connection reset instead of the answer.
func writeBusy(w http.ResponseWriter, r *http.Request, b *hub.ByteBudget, err error) {
	if r.Context().Err() == nil {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(b.Wait()/time.Second))))
	}
	problem.Write(w, r, err)
}
