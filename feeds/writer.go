package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gorilla/websocket"
)

// errStop ends the writer: the session was killed or its connection ended.
var errStop = errors.New("session ended")

// serve is the session's writer: it waits for the subscribe message,
// replays from the cursor (database, then the tailer's ring), attaches to
// the tailer and writes live events, heartbeats and pings until the
// session ends. It is the only goroutine that writes data frames.
func (s *session) serve() {
	go s.read()
	err := s.writeLoop()
	s.f.tail.detach(s)
	if s.sel != nil && s.sel.watch != nil {
		s.f.watch.remove(s.sel.watch)
	}
	s.finish(err)
}

func (s *session) writeLoop() error {
	cfg := s.f.cfg
	subTimer := s.f.clock.NewTimer(cfg.SubscribeWait)
	defer subTimer.Stop()
	var sub subscription
	select {
	case sub = <-s.subscribed:
	case <-subTimer.C():
		s.killWithError(ClosePolicy, "no subscribe message", "bad_request")
		return errStop
	case err := <-s.readErr:
		return err
	case <-s.ctx.Done():
		return errStop
	}
	if err := sub.sel.register(s.f.watch, s); err != nil {
		s.killWithError(CloseOverloaded, err.Error()+"; retry later or on another replica", "unavailable")
		return errStop
	}
	s.sel = sub.sel

	select {
	case <-s.f.tail.ready:
	case err := <-s.readErr: // the client left while the log was unreachable
		return err
	case <-s.ctx.Done():
		return errStop
	}

	t := newTimers(s.f.clock, cfg, s.p.Expires)
	defer t.stop()
	s.keepalive(cfg.PingInterval + cfg.PongWait) // the first ping is due in PingInterval

	if !sub.hasCursor {
		pos, ok := s.f.tail.attachLive(s)
		if !ok {
			s.kill(CloseGoingAway, "server draining")
			return errStop
		}
		s.written = pos
		if err := s.writeJSON(subscribedMsg{Op: "subscribed", Cursor: s.f.cursors.Encode(pos)}); err != nil {
			return err
		}
		return s.live(t)
	}
	if err := s.replay(t, sub.cursor); err != nil {
		return err
	}
	return s.live(t)
}

// replay brings a session with a cursor up to the live edge: pages from
// the database while the cursor lies behind the tailer's ring, then the
// ring, then attachment (see tailer.catchUp). The cursor is checked
// against the retention before "subscribed" is sent.
func (s *session) replay(t *timers, pos int64) error {
	limit := max(1, s.f.cfg.QueueSize/2)
	// A page read from the database is held until it is written; at most
	// MaxReplays sessions of the replica hold one (replaySlots), so pages
	// cost at most MaxReplays × PageBytes (plus one event each) whatever
	// the number of sessions replaying.
	holding := false
	release := func() {
		if holding {
			<-s.f.replaySlots
			holding = false
		}
	}
	defer release()
	next := func() ([]*event, bool, error) {
		release()
		evs, attached, inRing := s.f.tail.catchUp(s, pos, limit)
		if inRing {
			return evs, attached, nil
		}
		if s.f.tail.isDown() {
			s.kill(CloseGoingAway, "server draining")
			return nil, false, errStop
		}
		select {
		case s.f.replaySlots <- struct{}{}:
			holding = true
		case <-s.ctx.Done():
			return nil, false, errStop
		case err := <-s.readErr:
			return nil, false, err
		}
		page, err := readEvents(s.ctx, s.f.src, pos, s.f.cfg.BatchSize, s.f.cfg.PageBytes)
		if err != nil {
			if s.ctx.Err() == nil {
				s.f.log.Warn().Err(err).Msg("feed: replay read failed")
				s.killWithError(CloseInternal, "cannot read the event log; reconnect later", "unavailable")
			}
			return nil, false, errStop
		}
		if pos < page.purgedThrough {
			s.killWithError(CloseCursorExpired, "cursor older than retention; resync through the history API", "cursor_expired")
			return nil, false, errStop
		}
		if len(page.events) == 0 {
			// The ring moved past pos although the log holds nothing
			// after it: wait for the tailer rather than spin.
			if !sleep(s.ctx, s.f.cfg.PollInterval) {
				return nil, false, errStop
			}
		}
		return page.events, false, nil
	}

	evs, attached, err := next()
	if err != nil {
		return err
	}
	s.written = pos
	if err := s.writeJSON(subscribedMsg{Op: "subscribed", Cursor: s.f.cursors.Encode(pos)}); err != nil {
		return err
	}
	for {
		// Once attached, the tailer's position (last) is past evs: they
		// count as in flight so a heartbeat reports no cursor beyond them.
		s.inFlight.Store(int64(len(evs)))
		for _, ev := range evs {
			if ev.Seq > s.written {
				if err := s.housekeeping(t); err != nil {
					return err
				}
				if ok, m := s.sel.match(ev); ok && visible(s.p, ev) {
					if err := s.writeEvent(item{ev: ev, match: m}); err != nil {
						return err
					}
				}
				s.written = ev.Seq
			}
			s.inFlight.Add(-1)
		}
		if attached {
			return nil
		}
		pos = s.written
		if evs, attached, err = next(); err != nil {
			return err
		}
	}
}

// live writes queued events, heartbeats and pings until the session ends.
func (s *session) live(t *timers) error {
	for {
		// A kill (slow consumer, drain, expiry) wins over queued events.
		select {
		case <-s.ctx.Done():
			return errStop
		default:
		}
		select {
		case <-s.queue.ready:
			if err := s.drain(t); err != nil {
				return err
			}
		case <-t.ping.C:
			if err := s.ping(); err != nil {
				return err
			}
		case <-t.heartbeat.C():
			if err := s.heartbeat(); err != nil {
				return err
			}
		case <-t.expiry.C():
			s.kill(CloseTokenExpired, "token expired")
			return errStop
		case err := <-s.readErr:
			return err
		case <-s.ctx.Done():
			return errStop
		}
	}
}

// drain writes the queue's backlog in order, one taken batch at a time,
// until the queue is empty. Between two events it does what is due
// (pings, heartbeats, expiry), and a kill still wins over queued events.
func (s *session) drain(t *timers) error {
	for {
		batch := s.queue.take()
		if len(batch) == 0 {
			s.queue.recycle(batch)
			return nil
		}
		s.inFlight.Store(int64(len(batch)))
		for _, it := range batch {
			if s.ctx.Err() != nil {
				return errStop
			}
			if err := s.housekeeping(t); err != nil {
				return err
			}
			if err := s.writeEvent(it); err != nil {
				return err
			}
			s.inFlight.Add(-1)
		}
		s.queue.recycle(batch)
	}
}

// housekeeping does what is due between two replayed events.
func (s *session) housekeeping(t *timers) error {
	select {
	case <-s.ctx.Done():
		return errStop
	case err := <-s.readErr:
		return err
	case <-t.expiry.C():
		s.kill(CloseTokenExpired, "token expired")
		return errStop
	case <-t.ping.C:
		return s.ping()
	case <-t.heartbeat.C():
		return s.heartbeat()
	default:
		return nil
	}
}

// writeEvent sends one event, re-checking expiry and visibility at send
// time: nothing is sent after the token's exp.
func (s *session) writeEvent(it item) error {
	if !s.f.clock.Now().Before(s.p.Expires) {
		s.kill(CloseTokenExpired, "token expired")
		return errStop
	}
	if !visible(s.p, it.ev) {
		s.written = max(s.written, it.ev.Seq)
		return nil
	}
	fr, err := it.ev.encode(s.f.cursors, kindFor(s.p, it.ev))
	if err != nil {
		s.f.log.Error().Err(err).Int64("seq", it.ev.Seq).Msg("feed: cannot encode event")
		s.killWithError(CloseInternal, "internal error", "internal")
		return errStop
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.f.cfg.WriteWait))
	if it.match == nil {
		err = s.conn.WritePreparedMessage(fr.prepared)
	} else {
		buf := s.f.msgBuf()
		if *buf, err = fr.appendWithMatches((*buf)[:0], it.match); err == nil {
			err = s.conn.WriteMessage(websocket.TextMessage, *buf)
		}
		s.f.putMsgBuf(buf)
	}
	if err != nil {
		return err
	}
	s.written = max(s.written, it.ev.Seq)
	s.f.metrics.delivered.Inc()
	return nil
}

// heartbeat sends the position and re-checks the token: expired or
// revoked closes 4401. A revocation store that cannot answer does not end
// the session; the next heartbeat asks again.
func (s *session) heartbeat() error {
	if !s.f.clock.Now().Before(s.p.Expires) {
		s.kill(CloseTokenExpired, "token expired")
		return errStop
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.f.cfg.WriteWait)
	revoked, err := s.f.revocations.TokenRevoked(ctx, s.p.JTI)
	cancel()
	switch {
	case err != nil && s.ctx.Err() == nil:
		s.f.log.Warn().Err(err).Msg("feed: cannot check token revocation")
	case revoked:
		s.kill(CloseTokenExpired, "token revoked")
		return errStop
	}
	return s.writeJSON(heartbeatMsg{Op: "heartbeat", Cursor: s.f.cursors.Encode(s.cursor())})
}

// ping sends a ping. When no earlier ping waits for its pong, the client
// gets PongWait from now to answer this one: the deadline is set before
// the ping goes out, so the pong's own extension (read) always comes
// after it. A ping sent while another waits leaves that one's deadline.
func (s *session) ping() error {
	if !s.pinged.Swap(true) {
		s.keepalive(s.f.cfg.PongWait)
	}
	return s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.f.cfg.WriteWait))
}

// keepalive gives the client d to show it is alive (a pong) before its
// reader gives up. The writer sets the deadline on the network connection
// itself, which (unlike the websocket connection's read methods) may be
// used concurrently with the reader.
func (s *session) keepalive(d time.Duration) {
	_ = s.conn.NetConn().SetReadDeadline(time.Now().Add(d))
}

// writeJSON sends a protocol message; like events, none is sent once the
// token's exp has passed (a token accepted within the verifier's leeway
// gets no "subscribed").
func (s *session) writeJSON(v any) error {
	if !s.f.clock.Now().Before(s.p.Expires) {
		s.kill(CloseTokenExpired, "token expired")
		return errStop
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_ = s.conn.SetWriteDeadline(time.Now().Add(s.f.cfg.WriteWait))
	return s.conn.WriteMessage(websocket.TextMessage, b)
}

// finish closes the connection: with the kill's code (after its error
// message) when the session was killed, at once when the connection
// already failed. It waits briefly for the client's close echo so the
// close frame is not lost to a reset.
func (s *session) finish(err error) {
	defer s.cancel()
	code := 0
	if s.ctx.Err() != nil {
		code = s.code
	}
	switch {
	case code != 0:
		if s.errCode != "" && code != CloseTokenExpired {
			_ = s.writeJSON(errorMsg{Op: "error", Code: s.errCode, Message: s.reason})
		}
		reason := s.reason
		if len(reason) > 120 {
			reason = reason[:120]
		}
		_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(s.f.cfg.WriteWait))
		if errors.Is(err, errStop) { // the reader still runs
			select {
			case <-s.readErr:
			case <-time.After(time.Second):
			}
		}
	case errors.Is(err, websocket.ErrReadLimit):
		code = CloseTooBig // gorilla already sent the close frame
	default:
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			code = ce.Code // the client closed; gorilla echoed it
		} else {
			// A dead or silent client (no pong within PongWait): say why
			// if it still listens.
			code = ClosePolicy
			_ = s.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, "connection timed out"), time.Now().Add(time.Second))
		}
	}
	s.f.metrics.closed(code)
	_ = s.conn.Close()
}

// timers are the session's clocks: the keepalive on the system clock (it
// paces the connection's read deadline), heartbeats and the token's
// expiry on the feed's Clock.
type timers struct {
	ping      *time.Ticker
	heartbeat Ticker
	expiry    Timer
}

func newTimers(c Clock, cfg Config, exp time.Time) *timers {
	return &timers{
		ping:      time.NewTicker(cfg.PingInterval),
		heartbeat: c.NewTicker(cfg.HeartbeatInterval),
		expiry:    c.NewTimer(exp.Sub(c.Now())),
	}
}

func (t *timers) stop() {
	t.ping.Stop()
	t.heartbeat.Stop()
	t.expiry.Stop()
}
