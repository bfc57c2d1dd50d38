package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/auth"
)

// subscribeMsg is the client's first (and only) message.
type subscribeMsg struct {
	Op     string  `json:"op"`
	Cursor *string `json:"cursor"`
	Filter *Filter `json:"filter"`
}

// subscription is a checked subscribe message.
type subscription struct {
	cursor    int64
	hasCursor bool
	sel       *selector
}

// session is one websocket connection. Its writer is the goroutine that
// runs serve (the HTTP handler's); its reader is the one goroutine started
// by read. The tailer only touches queue, last, and kill.
type session struct {
	f    *Feed
	conn *websocket.Conn
	p    *auth.Principal

	sel   *selector    // set by the writer before the session is attached
	queue *queue       // tailer → writer
	last  atomic.Int64 // position the tailer has considered for this session

	pinged   atomic.Bool  // a ping waits for its pong (writer sets, reader clears)
	written  int64        // writer only: position fully handled by the writer
	inFlight atomic.Int64 // items the writer took (queue or ring), not yet handled; written by the writer only

	subscribed chan subscription // reader → writer, once
	readErr    chan error        // reader → writer, once

	ctx      context.Context // ends when the session is killed
	cancel   context.CancelFunc
	killOnce sync.Once
	code     int    // set once by kill, read after ctx.Done
	reason   string // close reason
	errCode  string // optional "error" message sent before the close
}

func newSession(f *Feed, conn *websocket.Conn, p *auth.Principal) *session {
	ctx, cancel := context.WithCancel(context.Background())
	q := newQueue(f.cfg.QueueSize)
	q.limitBytes, q.limitMatchBytes = f.cfg.QueueBytes, f.cfg.QueueMatchBytes
	return &session{
		f: f, conn: conn, p: p,
		queue:      q,
		subscribed: make(chan subscription, 1),
		readErr:    make(chan error, 1),
		ctx:        ctx, cancel: cancel,
	}
}

// kill asks the writer to close the session with code; the first call
// wins. It never blocks, so the tailer may call it.
func (s *session) kill(code int, reason string) { s.killWithError(code, reason, "") }

// killWithError also sends {"op":"error","code":errCode,...} first.
func (s *session) killWithError(code int, reason, errCode string) {
	s.killOnce.Do(func() {
		s.code, s.reason, s.errCode = code, reason, errCode
		s.cancel()
	})
}

// offer enqueues the events of batch this session wants and may see,
// without blocking; the session has no watchlist. The tailer calls it
// outside its lock, one batch at a time. false means the backlog would
// exceed the queue's limit: the session is a slow consumer.
func (s *session) offer(batch []*event) bool {
	last := s.last.Load()
	q := s.queue
	q.mu.Lock()
	queued := len(q.items)
	for _, ev := range batch {
		if ev.Seq <= last || !visible(s.p, ev) || !s.sel.passes(ev) {
			continue
		}
		if !q.push(item{ev: ev}) {
			q.mu.Unlock()
			return false
		}
	}
	return s.offered(queued, max(last, batch[len(batch)-1].Seq))
}

// offerItems is offer for a session with a watchlist: items are the
// batch's events its watchlist matched (route), through is the batch's
// last position, which the session has considered once this returns.
func (s *session) offerItems(items []item, through int64) bool {
	last := s.last.Load()
	q := s.queue
	q.mu.Lock()
	queued := len(q.items)
	for _, it := range items {
		if it.ev.Seq <= last || !visible(s.p, it.ev) || !s.sel.passes(it.ev) {
			continue
		}
		if !q.push(it) {
			q.mu.Unlock()
			return false
		}
	}
	return s.offered(queued, max(last, through))
}

// offered ends an offer: q.mu is held and released here, the writer is
// woken when something was queued, and the position is stored after the
// enqueues: a writer that reads last and then finds its queue empty has
// handled everything up to last (see cursor).
func (s *session) offered(queued int, last int64) bool {
	q := s.queue
	added := len(q.items) > queued
	q.mu.Unlock()
	if added {
		q.notify()
	}
	s.last.Store(last)
	return true
}

// cursor is the position a heartbeat reports: everything up to it was
// sent or filtered out. Only the writer calls it. last is read before the
// queue is looked at, and events taken from the queue but not yet written
// count as queued.
func (s *session) cursor() int64 {
	last := s.last.Load()
	if s.inFlight.Load() == 0 && s.queue.empty() {
		return max(last, s.written)
	}
	return s.written
}

// read is the session's reader: it hands the subscribe message to the
// writer, answers pings (gorilla) and records pongs, and reports the end
// of the connection. Any later data message is a policy violation.
//
// The read deadline is the keepalive: PongWait for the subscribe message;
// once subscribed, PingInterval plus PongWait (the first ping is due);
// PongWait from each ping that finds no earlier one unanswered (set by the
// writer, see ping); after a pong, until the next ping is due plus
// PongWait. A client thus always has PongWait to answer a ping, however
// late the writer sends it (a writer busy with a backlog, or a
// subscription that took long to register, must not turn a live client
// into a dead one), and a client that stops answering is closed at most
// PingInterval plus PongWait after its last pong.
func (s *session) read() {
	c := s.conn
	c.SetReadLimit(s.f.cfg.MaxMessageBytes)
	_ = c.SetReadDeadline(time.Now().Add(s.f.cfg.PongWait))
	c.SetPongHandler(func(string) error {
		s.pinged.Store(false)
		return c.SetReadDeadline(time.Now().Add(s.f.cfg.PingInterval + s.f.cfg.PongWait))
	})
	first := true
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			s.readErr <- err
			return
		}
		if !first {
			s.killWithError(ClosePolicy, "unexpected message", "bad_request")
			continue
		}
		first = false
		sub, err := parseSubscribe(data, s.f.cursors)
		if err != nil {
			code := "bad_request"
			if errors.Is(err, errWatchTooLarge) {
				code = "too_large"
			}
			s.killWithError(ClosePolicy, err.Error(), code)
			continue
		}
		s.subscribed <- sub
	}
}

// parseSubscribe checks a subscribe message; codec reads its cursor.
func parseSubscribe(data []byte, codec *CursorCodec) (subscription, error) {
	var m subscribeMsg
	if err := decodeStrict(data, &m); err != nil {
		return subscription{}, fmt.Errorf("subscribe message: %w", err)
	}
	if m.Op != "subscribe" {
		return subscription{}, errors.New(`the first message must be {"op":"subscribe",...}`)
	}
	var sub subscription
	if m.Cursor != nil && *m.Cursor != "" {
		seq, err := codec.Decode(*m.Cursor)
		if err != nil {
			return subscription{}, err
		}
		sub.cursor, sub.hasCursor = seq, true
	}
	var f Filter
	if m.Filter != nil {
		f = *m.Filter
	}
	sel, err := f.compile()
	if err != nil {
		return subscription{}, err
	}
	sub.sel = sel
	return sub, nil
}

// decodeStrict decodes one JSON value with no unknown members.
func decodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}
