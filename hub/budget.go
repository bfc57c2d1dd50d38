package hub

import (
	"context"
	"time"

	"golang.org/x/sync/semaphore"
)

// ByteBudget bounds the bytes of the submissions being ingested at once,
// across every channel (REST bundles, TAXII envelopes): memory follows
// bytes, not request counts. A channel acquires a submission's body size
// before it reads the body and releases it once ingest returns. A nil
// *ByteBudget bounds nothing.
type ByteBudget struct {
	sem  *semaphore.Weighted
	size int64
	wait time.Duration
}

// NewByteBudget returns a budget of size bytes whose acquisitions wait at
// most wait for room.
func NewByteBudget(size int64, wait time.Duration) *ByteBudget {
	return &ByteBudget{sem: semaphore.NewWeighted(size), size: size, wait: wait}
}

// Wait is how long an acquisition waits before it is refused.
func (b *ByteBudget) Wait() time.Duration {
	if b == nil {
		return 0
	}
	return b.wait
}

// Acquire reserves n bytes (at most the whole budget, so one submission
// of the largest size always fits alone), waiting in FIFO order up to the
// budget's wait. It fails with CodeUnavailable when no room came in time
// (the channel answers 503 with Retry-After), or with ctx's error. The
// release function must be called exactly once.
func (b *ByteBudget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	n = min(max(n, 1), b.size)
	wctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Code: CodeUnavailable, Detail: "the hub is ingesting as much as it may at once; retry later"}
	}
	return func() { b.sem.Release(n) }, nil
}
