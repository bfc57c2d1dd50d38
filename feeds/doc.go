// Package feeds is JAG's live alert feed: a per-replica tailer of the
// event log and the websocket sessions of GET /v1/feed (API.md section 4).
//
// # Gap-free order across replicas
//
// Every replica delivers the events in the one total order of the log's
// seq column. seq values are drawn from a sequence when a row is inserted
// but become visible when its transaction commits, so transactions that
// commit out of order would make a reader following "seq > last" skip the
// late one. Ingest therefore appends event rows as the last statements of
// its transaction, right after taking the transaction-level advisory lock
// feedAppendLock (hub/postgres/events.go). PostgreSQL releases that lock
// only after the committing transaction is visible to new snapshots, and
// the next appender draws its seq only after acquiring the lock. Hence a
// committed seq n implies every seq < n that will ever commit has already
// committed: the visible log is always a prefix, and the tailer's
// "WHERE seq > $position ORDER BY seq LIMIT n" never skips. Rolled-back
// appends leave holes in seq that are never filled, which is harmless.
// TestOutOfOrderCommits (hub/postgres) and the three-replica test in
// cmd/jag prove it, and their negative controls show a naive reader with
// unserialised appends skipping.
//
// LISTEN/NOTIFY is only a wake-up: ingest sends it after COMMIT, outside
// the transaction; the tailer polls at PollInterval regardless, so a lost
// notification or a dead listener connection delays delivery by at most
// one interval.
//
// # Fan-out, replay and the switch to live
//
// A replica runs ONE query loop (the tailer) for all its sessions; each
// batch (at most BatchSize events and PageBytes of objects beyond the
// first) is joined with the object bytes and fanned out in memory to the
// bounded queue of every attached session whose filter and visibility
// admit it. Sessions without a watchlist are offered the batch as soon as
// it is read, outside the tailer's lock. Watchlists live in one index per
// replica (watchIndex: a term per distinct value, hashed exact values,
// addresses and parent domains, path-compressed tries of addresses and of
// networks per family, all in pointer-free slices the garbage collector
// never traces); a matcher goroutine matches each event once for all
// sessions, in batch order, and offers each watching session only its
// matched events, so matching costs what the event names and matches,
// never sessions × entries, and never delays the tailer or sessions
// without a watchlist. Watchlists
// match exactly as lookups do (pattern.Match), indicators and SCOs alike.
// A version is announced as object.updated only to a viewer who may see
// one of the object's earlier versions (hub.EventHistory).
//
// The tailer never blocks on a session: a session whose backlog would
// exceed QueueSize events, QueueBytes of events (event.size; an event
// alone always fits) or QueueMatchBytes of matches is closed with 4408
// (slow consumer), and the client resumes from its cursor with no loss. While the replica has sessions, the tailer keeps the last
// RingSize events, at most RingBytes of them (the newest always); a
// session subscribing with a cursor behind that ring replays from the
// database (at most MaxReplays sessions of a replica hold a page at once)
// page by page, then from the ring, and is attached to the tailer in the
// same critical section that hands it the ring's last events, so it
// switches to live without gap or duplicate. Without sessions the tailer
// reads no events at all: it only follows the head of the log and keeps
// its ring empty, so the first session to arrive replays from the
// database up to that head exactly as from a cursor behind the ring. A
// session without a cursor starts at the live edge.
//
// A cursor names the position up to which the client has received every
// event it may see (heartbeats advance it past filtered-out events). It
// is sealed (CursorCodec: AES-256-GCM under a key every replica derives
// from the hub's keys, random nonce), so it reveals nothing — in
// particular not how many events the client was not shown — and is valid
// on every replica; plain "v1.<seq>" cursors of older versions are still
// accepted on input. Delivery is
// at-least-once: a client that resumes from the cursor of the last event
// it processed gets every later event exactly once; resuming from an
// older cursor (e.g. one persisted before the last events were processed)
// repeats the events after it — that is the duplicate window. A cursor
// whose following events were purged by retention (cursor below the purge
// watermark) is closed with 4410.
//
// # Session queues
//
// A session's queue is a mutex-protected slice that the tailer appends to
// and a wake-up channel of capacity one; the writer takes the whole
// backlog at once and writes it in order, attending to pings, heartbeats
// and the token's expiry between two events. Memory follows the backlog,
// not the bound: an idle session holds no array, a drained burst's array
// is released, so QueueSize (DefaultQueueSize, 16,384) can absorb the
// burst of a whole bundle — one event per object, up to the decoder's
// 10,000 objects — without costing every session that much. The tailer
// stores a session's position after queueing its events and the writer
// reads it before looking at its queue, which is what lets a heartbeat
// report a cursor past filtered-out events without skipping queued ones.
//
// # Sessions
//
// Authentication happens before the upgrade (the hub's middleware; the
// token may come as the "bearer.<token>" subprotocol for browsers), as do
// the scope and Origin checks and the subprotocol: a client that does not
// offer jag.v1 is refused with 400, never upgraded. Each connection has exactly one reader
// goroutine (subscribe message, pongs, close) and one writer goroutine
// (everything else); compression is never negotiated; client frames are
// limited to MaxMessageBytes (1009). Visibility (auth.Visible, the twin
// of SQL jag_visible) is checked per event when it is queued and again
// when it is sent; nothing is sent once the token's exp has passed (4401).
// A revoked token's sessions close with 4401 within about one
// PollInterval: when the revocation store is also a RevocationFeed (the
// hub's database is), one goroutine per replica asks it every
// PollInterval which tokens were revoked since its last poll — one query
// per replica, not per session — and kills the sessions holding them
// (once killed, a session is sent nothing but its close frame). Every
// heartbeat still re-checks its own token, the fallback for stores
// without the bulk poll and while the poll fails.
// Shutdown closes every session with 1001.
//
// # Concurrency
//
// A Feed is safe for concurrent use; ServeHTTP runs once per connection.
// Events handed out by a Source are shared, read-only, by all sessions.
// The package has no package-level mutable state.
package feeds
