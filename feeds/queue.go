package feeds

import "sync"

// item is one event waiting in a session's queue, with the watchlist
// matches that let it through.
type item struct {
	ev    *event
	match []Match
}

// queue is a session's bounded backlog of events for its writer. Unlike a
// buffered channel it holds memory in proportion to the events actually
// waiting, not to its limit, so the limit can absorb a whole bundle's
// burst without costing every idle session: a burst grows items, the
// writer takes the whole backlog at once, and only a small emptied array
// is kept for reuse. The tailer appends under mu (see offer) and then
// signals ready; the writer alone takes.
type queue struct {
	limit int           // most events that may wait; beyond, 4408
	ready chan struct{} // capacity 1: items may be non-empty

	mu    sync.Mutex
	items []item // waiting, in seq order
	spare []item // an emptied array for the next appends
}

// queueKeep is the largest array, in items, a queue keeps for reuse once
// the writer has drained it: smaller bursts cost no allocation, larger
// arrays (a bundle's burst) are left to the garbage collector.
const queueKeep = 64

func newQueue(limit int) *queue {
	return &queue{limit: limit, ready: make(chan struct{}, 1)}
}

// notify wakes the writer; it never blocks. One pending signal suffices:
// the writer takes everything that was appended before it wakes.
func (q *queue) notify() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take hands the writer every waiting item, in order, and empties the
// queue. The writer gives the array back with recycle once it is done.
func (q *queue) take() []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items, q.spare = q.spare, nil
	return items
}

// recycle keeps an array returned by take for the next appends when it is
// small, dropping its references to events either way.
func (q *queue) recycle(items []item) {
	clear(items)
	if cap(items) == 0 || cap(items) > queueKeep {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case cap(q.items) == 0:
		q.items = items[:0]
	case cap(q.spare) == 0:
		q.spare = items[:0]
	}
}

// empty reports whether no item waits.
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) == 0
}
