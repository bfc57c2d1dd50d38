package hub

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// ReceiptSigner signs receipt payloads with the hub's key (compact JWS,
// typ "jag-receipt+jws"); *auth.Authority implements it.
type ReceiptSigner interface {
	SignReceipt(payload []byte) (string, error)
}

// ReceiptPayload is what a receipt signs: the submission, the submitting
// org, the hub's receive time, the bundle id, and every object version of
// the bundle (id, modified, sha256 of the JCS form) sorted by id and
// modified. Predefined TLP marking definitions are not listed: they are
// never stored as the participant's.
type ReceiptPayload struct {
	Submission string          `json:"submission"`
	Org        string          `json:"org"`
	Received   string          `json:"received"`
	Bundle     string          `json:"bundle"`
	Objects    []ReceiptObject `json:"objects"`
}

// ReceiptObject is one object version named by a receipt.
type ReceiptObject struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	SHA256   string `json:"sha256"` // lower-case hex
}

// newReceiptPayload lists the versions of objs in the canonical order.
func newReceiptPayload(sub *Submission, objs []StoredObject) ReceiptPayload {
	p := ReceiptPayload{
		Submission: sub.ID,
		Org:        sub.Org,
		Received:   sub.Received.UTC().Format(time.RFC3339Nano),
		Bundle:     sub.BundleID,
		Objects:    make([]ReceiptObject, len(objs)),
	}
	for i := range objs {
		p.Objects[i] = ReceiptObject{ID: objs[i].ID, Modified: objs[i].Modified, SHA256: hex.EncodeToString(objs[i].SHA256[:])}
	}
	slices.SortFunc(p.Objects, func(a, b ReceiptObject) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Modified, b.Modified))
	})
	return p
}

// signReceipt serialises p and signs it.
func signReceipt(signer ReceiptSigner, p ReceiptPayload) (string, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode receipt: %w", err)
	}
	receipt, err := signer.SignReceipt(payload)
	if err != nil {
		return "", fmt.Errorf("sign receipt: %w", err)
	}
	return receipt, nil
}

// submissionDigest identifies a bundle's content for idempotent retries:
// SHA-256 over the versions sorted by (id, modified), each written as
// id NUL modified NUL sha256 (32 raw bytes). STIX strings cannot contain
// NUL (validation refuses U+0000), so the encoding is unambiguous. The
// bundle id does not take part: a retry may wrap the same objects in a new
// bundle.
func submissionDigest(objs []StoredObject) [32]byte {
	idx := make([]int, len(objs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(objs[a].ID, objs[b].ID), cmp.Compare(objs[a].Modified, objs[b].Modified))
	})
	h := sha256.New()
	var buf bytes.Buffer
	for _, i := range idx {
		buf.Reset()
		buf.WriteString(objs[i].ID)
		buf.WriteByte(0)
		buf.WriteString(objs[i].Modified)
		buf.WriteByte(0)
		buf.Write(objs[i].SHA256[:])
		h.Write(buf.Bytes())
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// newSubmissionID returns "submission--" and a random (version 4) UUID.
func newSubmissionID() (string, error) {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		return "", fmt.Errorf("new submission id: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return "submission--" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}
