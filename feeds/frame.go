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

// encode returns the event's shared encoding.
func (e *event) encode() (*frames, error) {
	f := &e.frames
	f.once.Do(func() {
		head, err := json.Marshal(eventHead{
			Op: "event", Cursor: EncodeCursor(e.Seq), Event: e.Kind, Org: e.Org,
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

// withMatches returns the event message with its watchlist matches.
func (f *frames) withMatches(m []Match) ([]byte, error) {
	mb, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(f.open)+len(mb)+12)
	b = append(b, f.open...)
	b = append(b, `,"match":`...)
	b = append(b, mb...)
	return append(b, '}'), nil
}
