package hub

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{Received: time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.FixedZone("x", 3600)), ID: "indicator--1", Modified: "2026-01-01T00:00:00.123456789Z"}
	got, err := ParseCursor(c.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Received.Equal(c.Received) || got.ID != c.ID || got.Modified != c.Modified {
		t.Fatalf("round trip = %+v, want %+v", got, c)
	}
}

// An SCO's version key is empty (objectVersion): a page ending with one
// must still give a cursor the hub accepts.
func TestCursorRoundTripSCO(t *testing.T) {
	c := Cursor{Received: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), ID: "ipv4-addr--efb3cb24-5b02-57b0-adb6-64563650dafa"}
	got, err := ParseCursor(c.Encode())
	if err != nil || got != c {
		t.Fatalf("round trip = %+v, %v; want %+v", got, err, c)
	}
}

func TestParseCursorRefuses(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, s := range map[string]string{
		"empty":           "",
		"not base64":      "!!!",
		"not json":        b64("hello"),
		"wrong version":   b64(`{"v":2,"r":"2026-01-01T00:00:00Z","i":"a","m":"b"}`),
		"no id":           b64(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"","m":"b"}`),
		"no modified":     b64(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"a"}`),
		"null modified":   b64(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"a","m":null}`),
		"bad time":        b64(`{"v":1,"r":"yesterday","i":"a","m":"b"}`),
		"nul in id":       b64(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"a\u0000","m":"b"}`),
		"nul in modified": b64(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"a","m":"\u0000"}`),
		"padded":          base64.URLEncoding.EncodeToString([]byte(`{"v":1,"r":"2026-01-01T00:00:00Z","i":"a","m":"b"}`)) + "=",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCursor(s); !errors.Is(err, ErrBadCursor) {
				t.Fatalf("ParseCursor(%q) err = %v, want ErrBadCursor", s, err)
			}
		})
	}
}

// Any string either is refused with ErrBadCursor or decodes to a cursor
// whose encoding decodes to the same key.
func FuzzParseCursor(f *testing.F) {
	f.Add(Cursor{Received: time.Unix(1, 5000), ID: "indicator--1", Modified: "m"}.Encode())
	f.Add("")
	f.Add("eyJ2IjoxfQ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("error %v does not wrap ErrBadCursor", err)
			}
			return
		}
		again, err := ParseCursor(c.Encode())
		if err != nil || !again.Received.Equal(c.Received) || again.ID != c.ID || again.Modified != c.Modified {
			t.Fatalf("re-encoding %+v gave %+v, %v", c, again, err)
		}
	})
}
