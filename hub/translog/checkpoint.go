package translog

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrCheckpoint reports a checkpoint that is malformed or not signed by
// the expected key.
var ErrCheckpoint = errors.New("checkpoint")

// MaxCheckpointBytes bounds a signed checkpoint with its cosignatures.
const MaxCheckpointBytes = 64 << 10

// Checkpoint is the body of a C2SP tlog-checkpoint: the log's origin, the
// tree size and the RFC 6962 root hash.
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
}

// Tree returns the checkpoint's tree.
func (c Checkpoint) Tree() tlog.Tree { return tlog.Tree{N: c.Size, Hash: c.Hash} }

// Text is the note text: origin, size and base64 root hash, one per line.
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatInt(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Hash[:]) + "\n"
}

// ParseCheckpoint parses a checkpoint body strictly: a non-empty origin,
// a decimal size without leading zeros, a base64 32-byte hash, then
// optional extension lines (kept out of Checkpoint; this log writes none).
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return Checkpoint{}, fmt.Errorf("%w: not three newline-terminated lines", ErrCheckpoint)
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	size := strings.TrimSuffix(lines[1], "\n")
	hash := strings.TrimSuffix(lines[2], "\n")
	for _, ext := range lines[3 : len(lines)-1] {
		if ext == "\n" {
			return Checkpoint{}, fmt.Errorf("%w: empty extension line", ErrCheckpoint)
		}
	}
	if origin == "" {
		return Checkpoint{}, fmt.Errorf("%w: empty origin", ErrCheckpoint)
	}
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != size {
		return Checkpoint{}, fmt.Errorf("%w: size %q", ErrCheckpoint, size)
	}
	h, err := base64.StdEncoding.Strict().DecodeString(hash)
	if err != nil || len(h) != tlog.HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root hash %q", ErrCheckpoint, hash)
	}
	c := Checkpoint{Origin: origin, Size: n}
	copy(c.Hash[:], h)
	return c, nil
}

// SignCheckpoint signs c with every signer (the log's active keys).
func SignCheckpoint(c Checkpoint, signers ...note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.Text()}, signers...)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return msg, nil
}

// Signed is a checkpoint that verified, with its note.
type Signed struct {
	Checkpoint
	Note *note.Note // Sigs are the signatures that verified
}

// OpenCheckpoint verifies msg with logKey (the log's note verifier) and,
// optionally, witness verifiers, and parses its body. The log's signature
// is required and its key name must be the checkpoint's origin. Witness
// signatures that do not verify fail the whole checkpoint (note.Open);
// unknown signatures are ignored.
func OpenCheckpoint(msg []byte, logKey note.Verifier, witnesses ...note.Verifier) (Signed, error) {
	if len(msg) > MaxCheckpointBytes {
		return Signed{}, fmt.Errorf("%w: %d bytes, more than %d", ErrCheckpoint, len(msg), MaxCheckpointBytes)
	}
	n, err := note.Open(msg, note.VerifierList(append([]note.Verifier{logKey}, witnesses...)...))
	if err != nil {
		return Signed{}, fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	signedByLog := false
	for _, s := range n.Sigs {
		if s.Name == logKey.Name() && s.Hash == logKey.KeyHash() {
			signedByLog = true
		}
	}
	if !signedByLog {
		return Signed{}, fmt.Errorf("%w: not signed by the log key %s", ErrCheckpoint, logKey.Name())
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Signed{}, err
	}
	if c.Origin != logKey.Name() {
		return Signed{}, fmt.Errorf("%w: origin %q is not the log key's name %q", ErrCheckpoint, c.Origin, logKey.Name())
	}
	return Signed{Checkpoint: c, Note: n}, nil
}

// CosignedBy counts the distinct witnesses among ws whose signature on s
// verified.
func (s Signed) CosignedBy(ws []note.Verifier) int {
	count := 0
	for _, w := range ws {
		for _, sig := range s.Note.Sigs {
			if sig.Name == w.Name() && sig.Hash == w.KeyHash() {
				count++
				break
			}
		}
	}
	return count
}

// GenerateLogKey returns a new Ed25519 note key pair named origin.
func GenerateLogKey(origin string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", "", fmt.Errorf("generate log key: %w", err)
	}
	return skey, vkey, nil
}

// AppendSignatures appends signature lines (each "— name base64\n") to a
// signed note, as the hub does with the cosignatures it holds.
func AppendSignatures(msg []byte, lines ...string) []byte {
	out := bytes.Clone(msg)
	for _, l := range lines {
		out = append(out, l...)
	}
	return out
}
