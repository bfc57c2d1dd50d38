package translog

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jag-hub/jag/auth/jcs"
)

// Entry kinds.
const (
	KindObject      = "object"      // an accepted object version
	KindParticipant = "participant" // a registered participant
	KindKey         = "key"         // a registered participant key
	KindKeyRevoked  = "key.revoked" // a key revocation
)

// MaxEntryBytes bounds one entry: tlog-tiles bundles prefix each entry with
// a uint16 length.
const MaxEntryBytes = 1<<16 - 1

// ErrEntry reports an entry that cannot be written or does not match.
var ErrEntry = errors.New("log entry")

// ObjectVersion is what an object entry commits to.
type ObjectVersion struct {
	ID         string
	Modified   string
	SHA256     [32]byte // of the JCS form of the whole object, signature included
	KID        string
	Signature  string // the detached compact JWS carried in the object
	Creator    string
	Submission string
	Received   time.Time
}

// Blind returns the blinded form of value for field of the object version
// signed with signature: hex SHA-256 of the key SHA-256("jag-log/v1\n" ||
// signature), the field name, a newline and the value. A field name holds
// no newline, so the encoding is unambiguous. The signature is unknown to
// whoever may not see the object, so the result can be neither computed
// nor confirmed by them.
func Blind(field, signature, value string) string {
	var scratch [256]byte
	k := blindKey(scratch[:0], signature)
	return string(appendBlind(nil, scratch[:0], &k, field, value))
}

// blindKey is SHA-256("jag-log/v1\n" || signature), hashed from scratch
// (grown when too small).
func blindKey(scratch []byte, signature string) [32]byte {
	return sha256.Sum256(append(append(scratch, "jag-log/v1\n"...), signature...))
}

// appendBlind appends the blinded form of value for field (see Blind) to
// dst in hex, hashing from scratch.
func appendBlind(dst, scratch []byte, k *[32]byte, field, value string) []byte {
	scratch = append(scratch, k[:]...)
	scratch = append(scratch, field...)
	scratch = append(scratch, '\n')
	scratch = append(scratch, value...)
	sum := sha256.Sum256(scratch)
	return hex.AppendEncode(dst, sum[:])
}

// ObjectEntry encodes the entry of an object version: RFC 8785 canonical
// JSON of kind, id, version, sha256, kid, signature, creator, submission
// and received, with id, kid, creator and submission blinded (see Blind)
// and signature replaced by its SHA-256. Ingest encodes one per version,
// so the members are written in their canonical (sorted) order directly,
// hashing from one scratch buffer; TestObjectEntryCanonical checks the
// result against auth/jcs.
func ObjectEntry(v ObjectVersion) ([]byte, error) {
	return AppendObjectEntry(make([]byte, 0, 640), v)
}

// AppendObjectEntry appends ObjectEntry(v) to b: ingest writes the
// entries of a submission back to back.
func AppendObjectEntry(b []byte, v ObjectVersion) ([]byte, error) {
	if v.Signature == "" {
		return nil, fmt.Errorf("%w: object %s has no signature", ErrEntry, v.ID)
	}
	if !plainJSON(v.Modified) {
		// Not a STIX timestamp: let the canonicaliser escape it.
		e, err := objectEntrySlow(v)
		if err != nil {
			return nil, err
		}
		return append(b, e...), nil
	}
	var buf [512]byte // scratch for the hashes' input; grown by append if too small
	scratch := buf[:0]
	k := blindKey(scratch, v.Signature)
	sig := sha256.Sum256(append(scratch, v.Signature...))
	b = append(b, `{"creator":"`...)
	b = appendBlind(b, scratch, &k, "creator", v.Creator)
	b = append(b, `","id":"`...)
	b = appendBlind(b, scratch, &k, "id", v.ID)
	b = append(b, `","kid":"`...)
	b = appendBlind(b, scratch, &k, "kid", v.KID)
	b = append(b, `","kind":"object","received":"`...)
	b = appendTime(b, v.Received)
	b = append(b, `","sha256":"`...)
	b = hex.AppendEncode(b, v.SHA256[:])
	b = append(b, `","signature":"`...)
	b = hex.AppendEncode(b, sig[:])
	b = append(b, `","submission":"`...)
	b = appendBlind(b, scratch, &k, "submission", v.Submission)
	b = append(b, `","version":"`...)
	b = append(b, v.Modified...)
	b = append(b, `"}`...)
	return b, nil
}

// objectEntrySlow is ObjectEntry through the generic canonicaliser.
func objectEntrySlow(v ObjectVersion) ([]byte, error) {
	k := blindKey(nil, v.Signature)
	blind := func(field, value string) string { return string(appendBlind(nil, nil, &k, field, value)) }
	sig := sha256.Sum256([]byte(v.Signature))
	return encode(map[string]any{
		"kind":       KindObject,
		"id":         blind("id", v.ID),
		"version":    v.Modified,
		"sha256":     hex.EncodeToString(v.SHA256[:]),
		"kid":        blind("kid", v.KID),
		"signature":  hex.EncodeToString(sig[:]),
		"creator":    blind("creator", v.Creator),
		"submission": blind("submission", v.Submission),
		"received":   formatTime(v.Received),
	})
}

// plainJSON reports whether s is written as is inside a JSON string in
// RFC 8785 form: printable ASCII without quote or backslash.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// ParticipantEntry encodes the registration of a participant: its id, the
// SHA-256 of the canonical form of its published identity object, and the
// registration time.
func ParticipantEntry(id string, identity []byte, created time.Time) ([]byte, error) {
	canon, err := jcs.Transform(identity)
	if err != nil {
		return nil, fmt.Errorf("%w: participant %s identity: %w", ErrEntry, id, err)
	}
	sum := sha256.Sum256(canon)
	return encode(map[string]any{
		"kind":     KindParticipant,
		"id":       id,
		"sha256":   hex.EncodeToString(sum[:]),
		"received": formatTime(created),
	})
}

// KeyEntry encodes the registration of a participant key: kid, owner,
// algorithm, the RFC 7638 SHA-256 thumbprint of the public key, and the
// time from which it is valid.
func KeyEntry(kid, participant, alg string, thumbprint []byte, notBefore time.Time) ([]byte, error) {
	return encode(map[string]any{
		"kind":     KindKey,
		"kid":      kid,
		"creator":  participant,
		"version":  alg,
		"sha256":   hex.EncodeToString(thumbprint),
		"received": formatTime(notBefore),
	})
}

// KeyRevokedEntry encodes a key revocation effective at revokedAt.
func KeyRevokedEntry(kid, participant string, revokedAt time.Time) ([]byte, error) {
	return encode(map[string]any{
		"kind":     KindKeyRevoked,
		"kid":      kid,
		"creator":  participant,
		"received": formatTime(revokedAt),
	})
}

func encode(m map[string]any) ([]byte, error) {
	b, err := jcs.Canonicalize(m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEntry, err)
	}
	if len(b) > MaxEntryBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrEntry, len(b), MaxEntryBytes)
	}
	return b, nil
}

// formatTime is the receive-time format of receipts: RFC 3339, UTC, with
// the fraction PostgreSQL keeps.
func formatTime(t time.Time) string {
	return string(appendTime(nil, t))
}

// appendTime appends formatTime(t) to b.
func appendTime(b []byte, t time.Time) []byte {
	return t.UTC().Truncate(time.Microsecond).AppendFormat(b, time.RFC3339Nano)
}
