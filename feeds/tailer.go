package feeds

import (
	"context"
	"sort"
	"sync"
	"time"
)

// tailer is a replica's one reader of the event log. It follows
// "seq > head ORDER BY seq" (see the package documentation for why that
// never skips), keeps the most recent events in a ring, and fans each
// batch out to the attached sessions' queues without ever blocking on a
// session. Sessions whose cursor lies behind the ring replay from the
// database themselves and attach once they reach it.
//
// While the replica has no session at all (users == 0), nobody needs the
// events themselves: the tailer then only follows the head of the log
// with EventHead (one index probe, no join with the object bytes) and
// keeps the ring empty (floor = head). A session that arrives meanwhile
// attaches at that head or replays from the database up to it, exactly as
// it would from a cursor behind a full ring. A head read that started
// before a session arrived is discarded (see follow), so no attached
// session ever sees the head jump over events it was not given.
type tailer struct {
	f *Feed

	ready chan struct{} // closed once head is known

	mu        sync.Mutex
	head      int64    // highest seq read from the log
	floor     int64    // the ring holds every event in (floor, head]
	ring      []*event // in seq order
	ringBytes int64    // sum of the ring's event sizes
	subs      map[*session]struct{}
	users     int  // sessions of the feed, attached or not yet
	down      bool // stopped: no more attachments

	// matches feeds the matcher goroutine (matchLoop) while run runs;
	// nil otherwise. Only the tailer's goroutine sends.
	matches chan matchJob
	runCtx  context.Context
}

func newTailer(f *Feed) *tailer {
	return &tailer{f: f, ready: make(chan struct{}), subs: map[*session]struct{}{}}
}

// run reads the log until ctx ends. It starts at the live edge: what was
// committed before the replica started is reached through cursors.
func (t *tailer) run(ctx context.Context) {
	cfg := t.f.cfg
	t.runCtx, t.matches = ctx, make(chan matchJob, matchBacklog)
	go t.matchLoop(ctx)
	backoff := newBackoff(50*time.Millisecond, 5*time.Second)
	for {
		head, purged, err := t.f.src.EventHead(ctx)
		if err == nil {
			t.mu.Lock()
			t.head, t.floor = max(head, purged), max(head, purged)
			t.mu.Unlock()
			t.f.metrics.head.Set(float64(head))
			close(t.ready)
			break
		}
		t.f.metrics.pollErrors.Inc()
		t.f.log.Warn().Err(err).Msg("feed: cannot read the event log head; retrying")
		if !sleep(ctx, backoff.next()) {
			return
		}
	}
	var wake <-chan struct{}
	if t.f.wakeup != nil {
		wake = t.f.wakeup.Wakeups()
	}
	timer := time.NewTimer(cfg.PollInterval)
	defer timer.Stop()
	for {
		more, err := t.step(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			t.f.metrics.pollErrors.Inc()
			t.f.log.Warn().Err(err).Msg("feed: cannot read the event log; retrying")
			if !sleep(ctx, backoff.next()) {
				return
			}
			continue
		}
		backoff.reset()
		if more {
			continue
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(cfg.PollInterval)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-timer.C:
		}
	}
}

// step reads the log once: the events after head when the replica has a
// session, only the head otherwise. more reports that the next read is
// due at once (a full batch, or a state change during the read).
func (t *tailer) step(ctx context.Context) (more bool, err error) {
	t.mu.Lock()
	head, idle := t.head, t.idle()
	t.mu.Unlock()
	if idle {
		return t.follow(ctx)
	}
	page, err := readEvents(ctx, t.f.src, head, t.f.cfg.BatchSize, t.f.cfg.PageBytes)
	if err != nil {
		return false, err
	}
	if page.purgedThrough > head {
		t.fellBehind(page.purgedThrough)
		return true, nil
	}
	t.publish(page.events)
	// A page cut by the byte bound may be followed by more events at once:
	// any non-empty page is followed by another read.
	return len(page.events) > 0, nil
}

// idle reports that no session needs events; t.mu is held.
func (t *tailer) idle() bool { return t.users == 0 && len(t.subs) == 0 }

// follow moves head (and floor, with an empty ring) to the head of the
// log without reading any event. The head is read outside the lock, so a
// session may arrive meanwhile and attach at the old head; the result is
// then dropped and the next step reads the events after the old head:
// moving head past them would skip them for that session.
func (t *tailer) follow(ctx context.Context) (more bool, err error) {
	head, purged, err := t.f.src.EventHead(ctx)
	if err != nil {
		return false, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.idle() {
		return true, nil
	}
	// The visible log is a prefix and purges only remove its oldest
	// part, so the head never moves back; max guards the gauge anyway.
	t.head = max(t.head, head, purged)
	t.floor, t.ring, t.ringBytes = t.head, nil, 0
	t.f.metrics.ring(0, 0)
	t.f.metrics.head.Set(float64(t.head))
	return false, nil
}

// join counts a session of the feed before it subscribes, so that the
// tailer reads events again; leave undoes it when the session ended.
func (t *tailer) join() {
	t.mu.Lock()
	t.users++
	t.mu.Unlock()
}

// leave is the end of a session counted by join.
func (t *tailer) leave() {
	t.mu.Lock()
	t.users--
	t.mu.Unlock()
}

// publish appends a batch to the ring and enqueues each event for every
// attached session that wants it and may see it. A session whose queue is
// full is closed 4408 and detached; nobody else waits for it.
//
// Only the ring and the list of attached sessions are touched under t.mu;
// the offers run after it, so attachments and catch-ups never wait for
// them. Sessions attached in the critical section below receive the whole
// batch through offer; a session attaching after it finds the batch in the
// ring and its position (last) past it, so offer skips what it holds.
// Sessions without a watchlist are offered the batch at once; those with
// one get their matched events from the matcher goroutine (matchLoop),
// which matches each event once through the shared index, in batch order,
// so a heavy watchlist workload delays neither the tailer nor the other
// sessions.
func (t *tailer) publish(batch []*event) {
	if len(batch) == 0 {
		return
	}
	t.mu.Lock()
	last := batch[len(batch)-1].Seq
	t.ring = append(t.ring, batch...)
	t.ringBytes += batchBytes(batch)
	t.trimRing()
	t.f.metrics.ring(len(t.ring), t.ringBytes)
	t.head = last
	t.f.metrics.head.Set(float64(last))
	subs := make([]*session, 0, len(t.subs))
	for s := range t.subs {
		subs = append(subs, s)
	}
	t.mu.Unlock()

	var watching []*session
	var slow []*session
	for _, s := range subs {
		switch {
		case s.sel.watches():
			watching = append(watching, s)
		case !s.offer(batch):
			slow = append(slow, s)
		}
	}
	t.dropSlow(slow)
	if len(watching) == 0 {
		return
	}
	job := matchJob{batch: batch, subs: watching, last: last}
	if t.matches == nil { // not running (tests driving publish directly)
		t.match(job)
		return
	}
	select {
	case t.matches <- job:
	case <-t.runCtx.Done():
	}
}

// matchBacklog is how many batches the matcher may be behind the tailer
// before the tailer waits for it.
const matchBacklog = 64

// matchJob is a published batch for the sessions with a watchlist that
// were attached when it was published.
type matchJob struct {
	batch []*event
	subs  []*session
	last  int64
}

// matchLoop matches published batches against the watchlists, in order,
// until ctx ends: watchlist matching never holds up the tailer, nor the
// delivery to sessions without a watchlist.
func (t *tailer) matchLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-t.matches:
			t.match(job)
		}
	}
}

// match offers a batch to the watching sessions of job: the index names
// the sessions each event concerns, so the work follows the matches, not
// the number of sessions or the length of their watchlists.
func (t *tailer) match(job matchJob) {
	routed := route(t.f.watch, job.batch)
	var slow []*session
	for _, s := range job.subs {
		if !s.offerItems(routed[s], job.last) {
			slow = append(slow, s)
		}
	}
	t.dropSlow(slow)
}

// dropSlow detaches and closes (4408) the sessions whose queue overflowed.
func (t *tailer) dropSlow(slow []*session) {
	if len(slow) == 0 {
		return
	}
	t.mu.Lock()
	for _, s := range slow {
		delete(t.subs, s)
	}
	t.mu.Unlock()
	for _, s := range slow {
		s.kill(CloseSlowConsumer, "slow consumer: reconnect with your cursor")
	}
}

// route matches a batch against every watchlist at once and returns, per
// watching session, the events it matched with their matches, in order.
func route(idx *watchIndex, batch []*event) map[*session][]item {
	out := map[*session][]item{}
	for _, ev := range batch {
		order, matches := idx.matchEvent(ev.Observables())
		for _, w := range order {
			if w.owner != nil {
				out[w.owner] = append(out[w.owner], item{ev: ev, match: matches[w]})
			}
		}
	}
	return out
}

// trimRing drops the oldest events beyond RingSize events or RingBytes
// bytes (the newest event always stays); t.mu is held.
func (t *tailer) trimRing() {
	cfg := t.f.cfg
	n := 0
	for n < len(t.ring)-1 && (len(t.ring)-n > cfg.RingSize || t.ringBytes > cfg.RingBytes) {
		t.ringBytes -= t.ring[n].size()
		n++
	}
	if n == 0 {
		return
	}
	t.floor = t.ring[n-1].Seq
	// Copy down once the dropped prefix is as large as what remains, so
	// the backing array stays bounded; clear the dropped references.
	if n >= len(t.ring)-n {
		rest := append([]*event(nil), t.ring[n:]...)
		clear(t.ring)
		t.ring = rest
	} else {
		clear(t.ring[:n])
		t.ring = t.ring[n:]
	}
}

// fellBehind handles a tailer whose position was purged (it was stopped
// for longer than the retention): its sessions cannot be continued
// without a gap, so they are closed 4410 and the tailer restarts at the
// purge watermark.
func (t *tailer) fellBehind(purged int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.f.log.Error().Int64("position", t.head).Int64("purged_through", purged).Msg("feed: tailer fell behind the retention")
	for s := range t.subs {
		delete(t.subs, s)
		s.kill(CloseCursorExpired, "events were purged; resync through the history API")
	}
	t.head, t.floor, t.ring, t.ringBytes = purged, purged, nil, 0
	t.f.metrics.ring(0, 0)
}

// catchUp moves a replaying session at position after towards live. When
// the ring does not reach back to after, inRing is false and the session
// reads the database. Otherwise it returns the ring's events after the
// position, at most limit of them; when they are all that is missing, the
// session is attached in the same critical section, so every later event
// reaches its queue: no gap, no duplicate.
func (t *tailer) catchUp(s *session, after int64, limit int) (evs []*event, attached, inRing bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down {
		return nil, false, false
	}
	if after < t.floor {
		return nil, false, false
	}
	i := sort.Search(len(t.ring), func(i int) bool { return t.ring[i].Seq > after })
	rest := t.ring[i:]
	if len(rest) > limit {
		return append([]*event(nil), rest[:limit]...), false, true
	}
	s.last.Store(max(after, t.head))
	t.subs[s] = struct{}{}
	return append([]*event(nil), rest...), true, true
}

// attachLive attaches a session at the live edge and returns that position.
func (t *tailer) attachLive(s *session) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.down {
		return 0, false
	}
	s.last.Store(t.head)
	t.subs[s] = struct{}{}
	return t.head, true
}

// detach removes a session (it ended).
func (t *tailer) detach(s *session) {
	t.mu.Lock()
	delete(t.subs, s)
	t.mu.Unlock()
}

// stop detaches every session and refuses new ones.
func (t *tailer) stop() {
	t.mu.Lock()
	t.down = true
	clear(t.subs)
	t.mu.Unlock()
}

// position returns the tailer's head.
func (t *tailer) position() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.head
}

// backoff is a capped exponential delay.
type backoff struct{ min, max, cur time.Duration }

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max} }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// isDown reports whether the tailer was stopped.
func (t *tailer) isDown() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.down
}
