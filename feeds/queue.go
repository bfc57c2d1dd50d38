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
//
// The backlog is bounded three ways (beyond any, the session is a slow
// consumer, 4408): in events (limit), in the estimated memory of the
// events it holds (limitBytes: the events are shared by every session
// that wants them, but a session that stops reading pins them after the
// ring has let them go), and in the memory of its own watchlist matches
// (limitMatchBytes). An event alone in an empty queue always fits, so an
// event larger than the bound does not close every session.
type queue struct {
	limit           int           // most events that may wait
	limitBytes      int64         // most event bytes (event.size) that may wait
	limitMatchBytes int64         // most match bytes that may wait
	ready           chan struct{} // capacity 1: items may be non-empty

	mu         sync.Mutex
	items      []item // waiting, in seq order
	spare      []item // an emptied array for the next appends
	bytes      int64  // estimated bytes of the waiting events
	matchBytes int64  // estimated bytes of the waiting items' matches
}

// push appends it unless the queue is full (q.mu is held).
func (q *queue) push(it item) bool {
	e, m := it.ev.size(), it.matchBytes()
	if len(q.items) >= q.limit ||
		(len(q.items) > 0 && q.bytes+e > q.limitBytes) ||
		(m > 0 && q.matchBytes+m > q.limitMatchBytes) {
		return false
	}
	q.items = append(q.items, it)
	q.bytes += e
	q.matchBytes += m
	return true
}

// matchBytes estimates the memory of an item's matches, which belong to
// the session (the event itself is shared by every session).
func (it item) matchBytes() int64 {
	var n int64
	for _, m := range it.match {
		n += int64(96 + len(m.Value) + len(m.Match) + len(m.Observable.Kind) + len(m.Observable.Value) + len(m.Observable.Path) + len(m.Observable.Op))
	}
	return n
}

// queueKeep is the largest array, in items, a queue keeps for reuse once
// the writer has drained it: smaller bursts cost no allocation, larger
// arrays (a bundle's burst) are left to the garbage collector.
const queueKeep = 64

func newQueue(limit int) *queue {
	return &queue{limit: limit, limitBytes: DefaultQueueBytes, limitMatchBytes: DefaultQueueMatchBytes, ready: make(chan struct{}, 1)}
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
	q.items, q.spare, q.bytes, q.matchBytes = q.spare, nil, 0, 0
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
