package feeds

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// cursorVersion prefixes every cursor so the encoding can change without
// misreading old cursors.
const cursorVersion = "v1."

// EncodeCursor returns the opaque cursor of log position seq: the client
// has seen (or been spared, by its filter) every event up to seq.
func EncodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + strconv.FormatInt(seq, 10)))
}

// DecodeCursor returns the log position of a cursor made by EncodeCursor;
// anything else is ErrBadCursor.
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
