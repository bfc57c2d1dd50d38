package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/problem"
)

// ConnLimits bound the TCP connections a listener holds open at once.
type ConnLimits struct {
	// Total is the most connections open at once, websocket feeds
	// included.
	Total int
	// PerClient is the most connections open at once from one client
	// address (an IPv6 client is its /64: one subscriber line has many
	// addresses).
	PerClient int
}

// Over-limit connections are answered a 503 problem by a bounded number
// of goroutines, each within rejectWait; beyond that they are closed
// without an answer.
const (
	maxRejecting = 64
	rejectWait   = time.Second
)

// LimitListener wraps ln so that at most l.Total connections, and at most
// l.PerClient from one client address, are open at once. A connection
// beyond either limit is answered 503 (problem+json, Retry-After,
// Connection: close) and closed; it never reaches the HTTP server, so it
// holds no request goroutine. A connection counts until it is closed,
// including after it was hijacked (the websocket feed).
func LimitListener(ln net.Listener, l ConnLimits) net.Listener {
	return &limitListener{Listener: ln, limits: l, per: map[netip.Prefix]int{}, rejecting: make(chan struct{}, maxRejecting)}
}

type limitListener struct {
	net.Listener
	limits ConnLimits

	mu        sync.Mutex
	total     int
	per       map[netip.Prefix]int
	rejecting chan struct{} // a token per rejecting goroutine
}

// clientKey is the address connections are counted by.
func clientKey(a net.Addr) netip.Prefix {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Prefix{}
	}
	ip := ap.Addr().Unmap()
	bits := ip.BitLen()
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := clientKey(c.RemoteAddr())
		l.mu.Lock()
		ok := (l.limits.Total <= 0 || l.total < l.limits.Total) && (l.limits.PerClient <= 0 || l.per[key] < l.limits.PerClient)
		if ok {
			l.total++
			l.per[key]++
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, l: l, key: key}, nil
		}
		l.reject(c)
	}
}

func (l *limitListener) release(key netip.Prefix) {
	l.mu.Lock()
	l.total--
	if l.per[key]--; l.per[key] <= 0 {
		delete(l.per, key)
	}
	l.mu.Unlock()
}

// Open returns the connections open now, in total and from the client
// address of a (for tests and metrics).
func (l *limitListener) Open(a net.Addr) (total, client int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total, l.per[clientKey(a)]
}

// overloaded is the answer to a connection beyond the limits.
var overloaded = func() []byte {
	body, _ := json.Marshal(problem.New(hub.CodeUnavailable, "too many connections; retry later"))
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\n")
	b.WriteString("Retry-After: " + strconv.Itoa(problem.RetryAfter) + "\r\nConnection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)+1) + "\r\n\r\n")
	b.Write(body)
	b.WriteByte('\n')
	return b.Bytes()
}()

// reject answers c 503 and closes it, off the accept loop. The request
// head is read first (within rejectWait, at most 8 KiB) so that the
// client sees the answer rather than a connection reset.
func (l *limitListener) reject(c net.Conn) {
	select {
	case l.rejecting <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(rejectWait))
		buf := make([]byte, 8<<10)
		n := 0
		for n < len(buf) && !bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
			m, err := c.Read(buf[n:])
			n += m
			if err != nil {
				break
			}
		}
		_, _ = c.Write(overloaded)
		// Half-close, then drain what the client still sends until the
		// deadline, so closing does not reset the answer away.
		if tc, ok := c.(interface{ CloseWrite() error }); ok && tc.CloseWrite() == nil {
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
		}
	}()
}

// limitedConn releases its slot once, on the first Close.
type limitedConn struct {
	net.Conn
	l    *limitListener
	key  netip.Prefix
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

// Validate refuses limits that are not positive or a per-client limit
// above the total.
func (l ConnLimits) Validate() error {
	switch {
	case l.Total < 1:
		return errors.New("the connection limit must be at least 1")
	case l.PerClient < 1:
		return errors.New("the per-client connection limit must be at least 1")
	case l.PerClient > l.Total:
		return errors.New("the per-client connection limit exceeds the total")
	}
	return nil
}

// CloseWrite half-closes the connection when the underlying one can (the
// HTTP server uses it to deliver an error answer before closing).
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.New("close write not supported")
}
