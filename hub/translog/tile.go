package translog

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of C2SP tlog-tiles tiles (256 hashes wide).
const TileHeight = 8

// TileWidth is the number of hashes (or entries) of a full tile.
const TileWidth = 1 << TileHeight

// maxTileLevel is the highest level tlog-tiles allows.
const maxTileLevel = 63

// ParseTilePath parses a tlog-tiles path below "tile/": "<L>/<N>[.p/<W>]"
// for hash tiles, "entries/<N>[.p/<W>]" for entry bundles (L is -1 in the
// result, as in golang.org/x/mod/sumdb/tlog). Only the canonical
// encoding is accepted.
func ParseTilePath(p string) (tlog.Tile, error) {
	var full string
	if rest, ok := strings.CutPrefix(p, "entries/"); ok {
		full = fmt.Sprintf("tile/%d/data/%s", TileHeight, rest)
	} else {
		full = fmt.Sprintf("tile/%d/%s", TileHeight, p)
	}
	t, err := tlog.ParseTilePath(full)
	if err != nil || t.L > maxTileLevel || TilePath(t) != p {
		return tlog.Tile{}, fmt.Errorf("malformed tile path %q", p)
	}
	return t, nil
}

// TilePath is the tlog-tiles path of t below "tile/".
func TilePath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", TileHeight))
	if rest, ok := strings.CutPrefix(p, "data/"); ok {
		return "entries/" + rest
	}
	return p
}

// EncodeBundle writes entries as a tlog-tiles entry bundle: each entry
// prefixed with its length as a big-endian uint16.
func EncodeBundle(entries [][]byte) ([]byte, error) {
	n := 0
	for _, e := range entries {
		if len(e) > MaxEntryBytes {
			return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrEntry, len(e), MaxEntryBytes)
		}
		n += 2 + len(e)
	}
	out := make([]byte, 0, n)
	for _, e := range entries {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	return out, nil
}

// DecodeBundle splits an entry bundle into exactly want entries.
func DecodeBundle(b []byte, want int) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("%w: truncated bundle", ErrEntry)
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, fmt.Errorf("%w: truncated bundle", ErrEntry)
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	if len(out) != want {
		return nil, fmt.Errorf("%w: bundle holds %d entries, want %d", ErrEntry, len(out), want)
	}
	return out, nil
}
