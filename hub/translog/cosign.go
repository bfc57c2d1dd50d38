package translog

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// Witness keys sign C2SP tlog-cosignature cosignature/v1 (Ed25519,
// signature type 0x04). golang.org/x/mod/sumdb/note knows only its own
// Ed25519 type (0x01), so the two types below implement its Signer and
// Verifier interfaces with crypto/ed25519; note.Sign and note.Open then
// write and check the signature lines.

// algCosignatureV1 is the signed-note signature type of cosignature/v1.
const algCosignatureV1 = 0x04

// ErrWitnessKey reports a malformed witness key.
var ErrWitnessKey = errors.New("witness key")

// GenerateWitnessKey returns a new witness key pair named name (a
// schema-less URL identifying the witness, e.g. "cert.example/witness"):
// skey "PRIVATE+KEY+<name>+<hash>+<base64(0x04 || seed)>" and the vkey
// "<name>+<hash>+<base64(0x04 || public key)>" verifiers configure.
func GenerateWitnessKey(name string) (skey, vkey string, err error) {
	if !validKeyName(name) {
		return "", "", fmt.Errorf("%w: invalid name %q", ErrWitnessKey, name)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("generate witness key: %w", err)
	}
	hash := cosignKeyHash(name, pub)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, priv.Seed()...)))
	vkey = fmt.Sprintf("%s+%08x+%s", name, hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, pub...)))
	return skey, vkey, nil
}

// cosignKeyHash is the key ID: SHA-256(name || "\n" || 0x04 || key)[:4].
func cosignKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validKeyName is the signed-note rule: non-empty UTF-8 without spaces or '+'.
func validKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

// cosignedMessage is what a cosignature/v1 signs.
func cosignedMessage(ts uint64, text []byte) []byte {
	return append([]byte("cosignature/v1\ntime "+strconv.FormatUint(ts, 10)+"\n"), text...)
}

// Cosigner is a witness's note.Signer for cosignature/v1.
type Cosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	now  func() time.Time
}

var _ note.Signer = (*Cosigner)(nil)

// NewCosigner parses a witness skey; now is the clock of the timestamps
// (nil: time.Now).
func NewCosigner(skey string, now func() time.Time) (*Cosigner, error) {
	f := strings.SplitN(skey, "+", 5)
	if len(f) != 5 || f[0] != "PRIVATE" || f[1] != "KEY" {
		return nil, fmt.Errorf("%w: not a PRIVATE+KEY", ErrWitnessKey)
	}
	name, key, err := decodeKey(f[2], f[3], f[4], ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	priv := ed25519.NewKeyFromSeed(key)
	c := &Cosigner{name: name, key: priv, now: now}
	c.hash = cosignKeyHash(name, priv.Public().(ed25519.PublicKey))
	if f[3] != fmt.Sprintf("%08x", c.hash) {
		return nil, fmt.Errorf("%w: key hash does not match", ErrWitnessKey)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

func decodeKey(name, hash, b64 string, size int) (string, []byte, error) {
	if !validKeyName(name) || len(hash) != 8 {
		return "", nil, fmt.Errorf("%w: malformed name or hash", ErrWitnessKey)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) != 1+size || raw[0] != algCosignatureV1 {
		return "", nil, fmt.Errorf("%w: not a cosignature/v1 (type 0x04) Ed25519 key", ErrWitnessKey)
	}
	return name, raw[1:], nil
}

// Name implements note.Signer.
func (c *Cosigner) Name() string { return c.name }

// KeyHash implements note.Signer.
func (c *Cosigner) KeyHash() uint32 { return c.hash }

// Verifier returns the vkey of c.
func (c *Cosigner) Verifier() string {
	pub := c.key.Public().(ed25519.PublicKey)
	return fmt.Sprintf("%s+%08x+%s", c.name, c.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, pub...)))
}

// Sign implements note.Signer: timestamp || Ed25519 signature.
func (c *Cosigner) Sign(msg []byte) ([]byte, error) {
	ts := uint64(c.now().Unix())
	sig := ed25519.Sign(c.key, cosignedMessage(ts, msg))
	return append(binary.BigEndian.AppendUint64(nil, ts), sig...), nil
}

// CosignatureVerifier verifies cosignature/v1 signatures of one witness.
type CosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

var _ note.Verifier = (*CosignatureVerifier)(nil)

// NewCosignatureVerifier parses a witness vkey.
func NewCosignatureVerifier(vkey string) (*CosignatureVerifier, error) {
	f := strings.SplitN(vkey, "+", 3)
	if len(f) != 3 {
		return nil, fmt.Errorf("%w: not name+hash+key", ErrWitnessKey)
	}
	name, key, err := decodeKey(f[0], f[1], f[2], ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	v := &CosignatureVerifier{name: name, key: key, hash: cosignKeyHash(name, key)}
	if f[1] != fmt.Sprintf("%08x", v.hash) {
		return nil, fmt.Errorf("%w: key hash does not match", ErrWitnessKey)
	}
	return v, nil
}

// Name implements note.Verifier.
func (v *CosignatureVerifier) Name() string { return v.name }

// KeyHash implements note.Verifier.
func (v *CosignatureVerifier) KeyHash() uint32 { return v.hash }

// Verify implements note.Verifier.
func (v *CosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	ts := binary.BigEndian.Uint64(sig)
	if ts > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.key, cosignedMessage(ts, msg), sig[8:])
}
