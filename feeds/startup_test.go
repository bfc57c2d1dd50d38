package feeds

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
)

// downLog is a log whose database cannot be reached.
type downLog struct{ *memLog }

func (downLog) EventHead(context.Context) (int64, int64, error) {
	return 0, 0, errors.New("database unavailable")
}

// TestSessionEndsWhileTailerNotReady: while the tailer cannot learn its
// starting position (the database is down since the replica started), a
// client that subscribes and leaves must not leave its session, goroutine
// and connection behind until the database returns (Promise 6).
func TestSessionEndsWhileTailerNotReady(t *testing.T) {
	tk := &tokens{byToken: map[string]*auth.Principal{}, revoked: map[string]bool{}}
	tk.add("member-a", &auth.Principal{Org: orgA, Tier: auth.TierMember})
	f, err := New(Config{}, Deps{Source: downLog{newMemLog()}, Revocations: tk, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	srv := httptest.NewServer(auth.Authenticate(tk, nil)(f))
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = f.Shutdown(sctx)
		cancel()
		<-done
		srv.Close()
	})

	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer member-a")
	d := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), hdr)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"op": "subscribe"}); err != nil {
		t.Fatal(err)
	}
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	conn.Close()

	deadline := time.Now().Add(3 * time.Second)
	for {
		f.mu.Lock()
		n := len(f.sessions)
		f.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d session(s) still open 3s after the client left", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
