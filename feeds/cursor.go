package feeds

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Cursors name log positions. A log position counts every event of every
// org, so a readable one would tell a client how many events it was not
// shown between two of its cursors (hidden ones included). A
// CursorCodec with a key therefore seals positions: a cursor is the
// base64url of a version byte, a random 96-bit nonce and the AES-256-GCM
// sealing of the position (additional data: the version and the
// purpose), so it says nothing but "valid on this hub", and an altered
// or foreign cursor is ErrBadCursor. Every replica derives the same key
// from the hub's shared key material (cmd/jag), so cursors are valid on
// every replica and across restarts.
//
// Without a key (tests embedding the feed) cursors are the legacy plain
// form, base64url of "v1.<seq>"; a keyed codec still accepts those on
// input so that cursors saved before the upgrade resume, which reveals
// nothing: the client chose the position.

// cursorVersion prefixes every plain cursor so the encoding can change
// without misreading old cursors.
const cursorVersion = "v1."

// sealedVersion is the first byte of a sealed cursor.
const sealedVersion = 2

// cursorAD binds sealed cursors to their purpose.
var cursorAD = []byte("jag feed cursor v2")

// CursorCodec turns log positions into cursors and back.
type CursorCodec struct {
	aead cipher.AEAD // nil: plain cursors
}

// CursorKeySize is the length of a cursor key (AES-256).
const CursorKeySize = 32

// NewCursorCodec returns a codec sealing cursors with key (CursorKeySize
// bytes); a nil key gives plain cursors.
func NewCursorCodec(key []byte) (*CursorCodec, error) {
	if key == nil {
		return &CursorCodec{}, nil
	}
	if len(key) != CursorKeySize {
		return nil, fmt.Errorf("cursor key: %d bytes, want %d", len(key), CursorKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	return &CursorCodec{aead: aead}, nil
}

// Encode returns the cursor of log position seq.
func (c *CursorCodec) Encode(seq int64) string {
	if c.aead == nil {
		return EncodeCursor(seq)
	}
	ns := c.aead.NonceSize()
	b := make([]byte, 1+ns, 1+ns+8+c.aead.Overhead())
	b[0] = sealedVersion
	if _, err := rand.Read(b[1:]); err != nil {
		panic(fmt.Sprintf("feeds: no randomness for a cursor nonce: %v", err)) // crypto/rand never fails on supported systems
	}
	var pos [8]byte
	binary.BigEndian.PutUint64(pos[:], uint64(seq))
	b = c.aead.Seal(b, b[1:1+ns], pos[:], cursorAD)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode returns the log position of a cursor made by Encode (or a plain
// legacy cursor); anything else is ErrBadCursor.
func (c *CursorCodec) Decode(s string) (int64, error) {
	if c.aead == nil || len(s) < 40 {
		// Plain cursors are short; sealed ones are 50 characters.
		return DecodeCursor(s)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	ns := c.aead.NonceSize()
	if err != nil || len(b) != 1+ns+8+c.aead.Overhead() || b[0] != sealedVersion {
		return 0, fmt.Errorf("%w: not a cursor of this hub", ErrBadCursor)
	}
	pos, err := c.aead.Open(nil, b[1:1+ns], b[1+ns:], cursorAD)
	if err != nil {
		return 0, fmt.Errorf("%w: not a cursor of this hub", ErrBadCursor)
	}
	seq := int64(binary.BigEndian.Uint64(pos))
	if seq < 0 {
		return 0, fmt.Errorf("%w: bad position", ErrBadCursor)
	}
	return seq, nil
}

// EncodeCursor returns the plain cursor of log position seq: the client
// has seen (or been spared, by its filter) every event up to seq.
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + strconv.FormatInt(seq, 10)))
}

// DecodeCursor returns the log position of a plain cursor made by
// EncodeCursor; anything else is ErrBadCursor.
func DecodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	s, ok := strings.CutPrefix(string(b), cursorVersion)
	if !ok {
		return 0, fmt.Errorf("%w: unknown version", ErrBadCursor)
	}
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil || seq < 0 || strconv.FormatInt(seq, 10) != s {
		return 0, fmt.Errorf("%w: bad position", ErrBadCursor)
	}
	return seq, nil
}
