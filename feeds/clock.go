package feeds

import "time"

// Clock is the feed's time for what the protocol measures: the subscribe
// wait, heartbeats, token expiry, and the revocation and purge polls.
// Tests inject a manual clock and advance it instead of waiting. The
// websocket keepalive (pings against the connection's read deadline) and
// the tailer's poll of the log stay on the system clock: they pace real
// network and database I/O.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
	NewTicker(d time.Duration) Ticker
}

// Timer is a Clock's one-shot timer (as time.Timer).
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// Ticker is a Clock's periodic ticker (as time.Ticker).
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// systemClock is the Clock of package time.
type systemClock struct{}

func (systemClock) Now() time.Time                   { return time.Now() }
func (systemClock) NewTimer(d time.Duration) Timer   { return sysTimer{time.NewTimer(d)} }
func (systemClock) NewTicker(d time.Duration) Ticker { return sysTicker{time.NewTicker(d)} }

type sysTimer struct{ t *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.t.C }
func (t sysTimer) Stop() bool          { return t.t.Stop() }

type sysTicker struct{ t *time.Ticker }

func (t sysTicker) C() <-chan time.Time { return t.t.C }
func (t sysTicker) Stop()               { t.t.Stop() }
