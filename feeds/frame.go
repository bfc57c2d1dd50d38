package feeds

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Server messages (API.md section 4).
type (
	subscribedMsg struct {
		Op     string `json:"op"` // "subscribed"
		Cursor string `json:"cursor"`
	}
	heartbeatMsg struct {
		Op     string `json:"op"` // "heartbeat"
		Cursor string `json:"cursor"`
	}
	errorMsg struct {
		Op      string `json:"op"` // "error"
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	// eventHead is an event message without the object and the matches,
	// which are spliced in as bytes.
	eventHead struct {
		Op       string `json:"op"` // "event"
		Cursor   string `json:"cursor"`
		Event    string `json:"event"`
		Org      string `json:"org"`
		Received string `json:"received"`
	}
)

// frames holds an event's encoded message, shared by every session: the
// bytes before the closing brace, and the whole message prepared once for
// all connections without watchlist matches.
type frames struct {
	once     sync.Once
	open     []byte // `{"op":"event",...,"object":{...}` without the closing brace
	prepared *websocket.PreparedMessage
	err      error
}

// encode returns the event's shared encoding announcing it as kind (its
// Kind, or hub.KindCreated for a viewer who saw no earlier version),
// with its cursor sealed by c.
func (e *event) encode(c *CursorCodec, kind string) (*frames, error) {
	f := &e.frames[0]
	if kind != e.Kind {
		f = &e.frames[1]
	}
	f.once.Do(func() {
		head, err := json.Marshal(eventHead{
			Op: "event", Cursor: c.Encode(e.Seq), Event: kind, Org: e.Org,
			Received: e.Received.UTC().Format(time.RFC3339Nano),
		})
		if err != nil {
			f.err = err
			return
		}
		obj := e.Object
		if !json.Valid(obj) {
			f.err = errBadObject
			return
		}
		b := make([]byte, 0, len(head)+len(obj)+16)
		b = append(b, head[:len(head)-1]...)
		b = append(b, `,"object":`...)
		b = append(b, obj...)
		f.open = b
		whole := append(b[:len(b):len(b)], '}')
		f.prepared, f.err = websocket.NewPreparedMessage(websocket.TextMessage, whole)
	})
	return f, f.err
}

// appendWithMatches appends the event message with its watchlist
// matches to dst.
func (f *frames) appendWithMatches(dst []byte, m []Match) ([]byte, error) {
	mb, err := json.Marshal(m)
	if err != nil {
		return dst, err
	}
	dst = append(dst, f.open...)
	dst = append(dst, `,"match":`...)
	dst = append(dst, mb...)
	return append(dst, '}'), nil
}

// msgBufKeep is the largest message buffer the writers keep for reuse
// (msgBufs): an event with matches is written from a reused buffer, not a
// new copy of its object per session; larger messages (rare) get a buffer
// of their own.
const msgBufKeep = 256 << 10

// msgBuf takes a buffer for one message from the feed's pool.
func (f *Feed) msgBuf() *[]byte {
	if b, ok := f.msgBufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 64<<10)
	return &b
}

// putMsgBuf gives a buffer back unless it grew beyond msgBufKeep.
func (f *Feed) putMsgBuf(b *[]byte) {
	if cap(*b) > msgBufKeep {
		return
	}
	*b = (*b)[:0]
	f.msgBufs.Put(b)
}
