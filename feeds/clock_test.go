package feeds

import (
	"sync"
	"time"
)

// manualClock is a Clock that moves only when a test advances it.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

func newManualClock() *manualClock { return &manualClock{now: time.Now()} }

// manualTimer is a timer (period 0) or a ticker of a manualClock.
type manualTimer struct {
	clk     *manualClock
	c       chan time.Time
	at      time.Time
	period  time.Duration
	stopped bool
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) add(d, period time.Duration) *manualTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{clk: c, c: make(chan time.Time, 1), at: c.now.Add(d), period: period}
	c.timers = append(c.timers, t)
	c.fireLocked()
	return t
}

func (c *manualClock) NewTimer(d time.Duration) Timer   { return c.add(d, 0) }
func (c *manualClock) NewTicker(d time.Duration) Ticker { return manualTicker{c.add(d, d)} }

// Advance moves the clock by d and fires what fell due, like package
// time: a ticker's channel holds at most one pending tick.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fireLocked()
}

func (c *manualClock) fireLocked() {
	live := c.timers[:0]
	for _, t := range c.timers {
		if t.stopped {
			continue
		}
		if !t.at.After(c.now) {
			select {
			case t.c <- c.now:
			default:
			}
			if t.period == 0 {
				t.stopped = true
				continue
			}
			for !t.at.After(c.now) {
				t.at = t.at.Add(t.period)
			}
		}
		live = append(live, t)
	}
	c.timers = live
}

// active counts the running tickers of period p.
func (c *manualClock) active(p time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped && t.period == p {
			n++
		}
	}
	return n
}

func (t *manualTimer) C() <-chan time.Time { return t.c }

func (t *manualTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// manualTicker is a manualTimer with a ticker's Stop.
type manualTicker struct{ t *manualTimer }

func (t manualTicker) C() <-chan time.Time { return t.t.c }
func (t manualTicker) Stop()               { t.t.Stop() }
