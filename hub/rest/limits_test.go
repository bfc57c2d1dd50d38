package rest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveOn serves h on ln until the test ends.
func serveOn(t *testing.T, ln net.Listener, h http.Handler) {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func getOn(t *testing.T, c net.Conn) int {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestLimitListener(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(raw, ConnLimits{Total: 3, PerClient: 2})
	serveOn(t, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	dial := func(src string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		c, err := d.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	a1, a2 := dial("127.0.0.2"), dial("127.0.0.2")
	if getOn(t, a1) != 200 || getOn(t, a2) != 200 {
		t.Fatal("within the limits")
	}
	if code := getOn(t, dial("127.0.0.2")); code != 503 {
		t.Fatalf("third from one client: %d", code)
	}
	b1 := dial("127.0.0.3")
	if getOn(t, b1) != 200 {
		t.Fatal("another client")
	}
	if code := getOn(t, dial("127.0.0.4")); code != 503 {
		t.Fatalf("fourth in total: %d", code)
	}
	a1.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		total, _ := ln.(*limitListener).Open(a2.LocalAddr())
		if total == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d open after a close", total)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if getOn(t, dial("127.0.0.2")) != 200 {
		t.Fatal("slot not released")
	}
	if clientKey(&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 1}) != clientKey(&net.TCPAddr{IP: net.ParseIP("2001:db8::ffff:1"), Port: 2}) {
		t.Fatal("one IPv6 /64 is one client")
	}
	for _, l := range []ConnLimits{{}, {Total: 1}, {Total: 1, PerClient: 2}} {
		if l.Validate() == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}

// A trickled body fails within the grace; a complete body's handler may
// then run past the grace with its context intact.
func TestBodyDeadline(t *testing.T) {
	timing := BodyTiming{Grace: 300 * time.Millisecond, MinRate: 1024}
	got := make(chan string, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, bodyDeadline(timing, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		if err != nil {
			got <- "read: " + err.Error()
			return
		}
		time.Sleep(4 * timing.Grace)
		got <- fmt.Sprintf("ctx: %v", context.Cause(r.Context()))
	})))
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
	start := time.Now()
	go func() {
		for range 20 {
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	if r := <-got; !strings.Contains(r, "timeout") || time.Since(start) > 2*time.Second {
		t.Fatalf("trickled body: %s after %s", r, time.Since(start))
	}
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintf(c2, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if r := <-got; r != "ctx: <nil>" {
		t.Fatalf("after a complete body the handler's context ended: %s", r)
	}
}
