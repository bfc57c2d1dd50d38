package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth/jcs"
)

// ExtensionID is the STIX property-extension that carries a JAG signature.
const ExtensionID = "extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc"

// ObjectType is the JOSE "typ" of an object signature.
const ObjectType = "stix+jws"

// Members of the JAG extension.
const (
	memberSignature  = "signature"
	memberRecipients = "recipients"
)

// Verified describes a checked object signature.
type Verified struct {
	KID        string
	Alg        string
	Signer     string // participant that owns the key (= created_by_ref)
	Signature  string // the detached compact JWS as carried in the object
	Recipients []string
	// Digest is the SHA-256 of the JCS form of the whole object, signature
	// included: what the hub stores and a receipt names.
	Digest [32]byte
}

// SignObject signs one STIX object (raw JSON object bytes) with a private
// key whose KeyID and algorithm are set, and returns the object in its
// canonical form with the extension's signature member set. When
// recipients is non-nil it becomes the extension's recipients before
// signing. created_by_ref is not touched.
func SignObject(raw []byte, key *jose.JSONWebKey, recipients []string) ([]byte, error) {
	alg, err := CheckSigningKey(key)
	if err != nil {
		return nil, err
	}
	canonical, err := jcs.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("sign object: %w", err)
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, fmt.Errorf("sign object: not a JSON object")
	}
	ext, err := extension(obj)
	if err != nil {
		return nil, fmt.Errorf("sign object: %w", err)
	}
	ext["extension_type"] = "property-extension"
	if recipients != nil {
		list := make([]any, len(recipients))
		for i, r := range recipients {
			list[i] = r
		}
		ext[memberRecipients] = list
	}
	delete(ext, memberSignature)
	payload, err := jcs.Canonicalize(obj)
	if err != nil {
		return nil, fmt.Errorf("sign object: %w", err)
	}
	sig, err := signDetached(payload, key, alg, ObjectType)
	if err != nil {
		return nil, fmt.Errorf("sign object: %w", err)
	}
	ext[memberSignature] = sig
	return jcs.Canonicalize(obj)
}

// extension returns the JAG extension map of obj, creating it if needed.
func extension(obj map[string]any) (map[string]any, error) {
	exts, ok := obj["extensions"].(map[string]any)
	if !ok {
		if obj["extensions"] != nil {
			return nil, fmt.Errorf("extensions is not an object")
		}
		exts = map[string]any{}
		obj["extensions"] = exts
	}
	ext, ok := exts[ExtensionID].(map[string]any)
	if !ok {
		if exts[ExtensionID] != nil {
			return nil, fmt.Errorf("extension %s is not an object", ExtensionID)
		}
		ext = map[string]any{}
		exts[ExtensionID] = ext
	}
	return ext, nil
}

// signDetached returns the detached compact JWS of payload with a protected
// header of exactly alg, kid and typ.
func signDetached(payload []byte, key *jose.JSONWebKey, alg, typ string) (string, error) {
	compact, err := signCompact(payload, key, alg, typ)
	if err != nil {
		return "", err
	}
	first, last := strings.IndexByte(compact, '.'), strings.LastIndexByte(compact, '.')
	return compact[:first+1] + compact[last:], nil
}

// signCompact returns the compact JWS of payload with a protected header of
// exactly alg, kid and typ.
func signCompact(payload []byte, key *jose.JSONWebKey, alg, typ string) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)),
	)
	if err != nil {
		return "", fmt.Errorf("new signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// VerifyObject checks one object's signature against keys, the registered
// keys of the participant that submits it, at time at (for not-before and
// revocation). The key is chosen by the protected kid among keys only, and
// only that key's algorithm is accepted. The object's created_by_ref must
// name the key's owner. VerifyObject never fetches anything.
func VerifyObject(raw []byte, keys []Key, at time.Time) (Verified, error) {
	p, err := parseSigned(raw)
	if err != nil {
		return Verified{}, err
	}
	key := findKey(keys, p.header.kid)
	if key == nil {
		return Verified{}, fmt.Errorf("%w: kid %q: %w", ErrInvalidSignature, p.header.kid, ErrKeyNotFound)
	}
	return p.verify(key, at)
}

func findKey(keys []Key, kid string) *Key {
	for i := range keys {
		if keys[i].KID == kid {
			return &keys[i]
		}
	}
	return nil
}

// signedObject is an object whose signature has been parsed, not checked.
type signedObject struct {
	whole      []byte // canonical form of the whole object
	payload    []byte // canonical form without the signature member: what was signed
	signature  string
	header     protectedHeader
	sig        []byte // decoded signature bytes
	createdBy  string
	recipients []string
}

// ObjectKID returns the kid of a signed object's signature header without
// verifying anything: tools use it to tell an unsigned object from one
// signed with an unknown key. It fails exactly when the signature member is
// missing or malformed.
func ObjectKID(raw []byte) (string, error) {
	p, err := parseSigned(raw)
	if err != nil {
		return "", err
	}
	return p.header.kid, nil
}

func parseSigned(raw []byte) (*signedObject, error) {
	whole, err := jcs.Transform(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	if whole[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidSignature)
	}
	p := &signedObject{whole: whole}
	sigAt, present := locate(whole, "extensions", ExtensionID, memberSignature)
	if !present {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, ErrUnsigned)
	}
	sig, ok := stringValue(whole[sigAt.valStart:sigAt.end])
	if !ok {
		return nil, fmt.Errorf("%w: member %q is not a string", ErrInvalidSignature, memberSignature)
	}
	p.signature = sig
	p.payload = without(whole, sigAt)
	if at, ok := locate(whole, "extensions", ExtensionID, memberRecipients); ok {
		if p.recipients, ok = stringArray(whole[at.valStart:at.end]); !ok {
			return nil, fmt.Errorf("%w: recipients is not an array of identity ids", ErrInvalidSignature)
		}
	}
	if p.createdBy, _, err = stringMember(whole, "created_by_ref"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignerMismatch, err)
	}
	// Detached compact JWS: header ".." signature, nothing else.
	head, rest, ok := strings.Cut(sig, ".")
	if !ok || !strings.HasPrefix(rest, ".") || strings.Contains(rest[1:], ".") {
		return nil, fmt.Errorf("%w: %w: signature is not a detached compact JWS", ErrInvalidSignature, ErrMalformed)
	}
	if p.header, err = parseHeader(head, ObjectType); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	if p.sig, err = base64.RawURLEncoding.Strict().DecodeString(rest[1:]); err != nil {
		return nil, fmt.Errorf("%w: %w: signature value: %w", ErrInvalidSignature, ErrMalformed, err)
	}
	return p, nil
}

// verify checks the parsed signature with key at time at.
func (p *signedObject) verify(key *Key, at time.Time) (Verified, error) {
	if p.header.alg != key.Alg {
		return Verified{}, fmt.Errorf("%w: %w: %q for key %q (%s)", ErrInvalidSignature, ErrAlgorithm, p.header.alg, key.KID, key.Alg)
	}
	if err := key.ValidAt(at); err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	if err := checkECDSA(key.Alg, p.sig); err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	payload := p.payload
	jws, err := jose.ParseDetached(p.signature, payload, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(key.Alg)})
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %w: %w", ErrInvalidSignature, ErrMalformed, err)
	}
	if len(jws.Signatures) != 1 || !isEmptyHeader(jws.Signatures[0].Unprotected) {
		return Verified{}, fmt.Errorf("%w: %w: unprotected header", ErrInvalidSignature, ErrHeader)
	}
	if err := jws.DetachedVerify(payload, key.JWK.Key); err != nil {
		return Verified{}, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	if p.createdBy != key.Participant {
		return Verified{}, fmt.Errorf("%w: created_by_ref %q, signed by %q", ErrSignerMismatch, p.createdBy, key.Participant)
	}
	return Verified{
		KID:        key.KID,
		Alg:        key.Alg,
		Signer:     key.Participant,
		Signature:  p.signature,
		Recipients: p.recipients,
		Digest:     sha256.Sum256(p.whole),
	}, nil
}

func isEmptyHeader(h jose.Header) bool {
	return h.KeyID == "" && h.Algorithm == "" && h.JSONWebKey == nil && h.Nonce == "" && len(h.ExtraHeaders) == 0
}

// checkECDSA refuses ECDSA signatures that are not raw r‖s of the exact
// length for the curve, or that have r or s zero (DER or "psychic"
// signatures); other algorithms pass.
func checkECDSA(alg string, sig []byte) error {
	var size int
	switch alg {
	case "ES256":
		size = 32
	case "ES384":
		size = 48
	default:
		return nil
	}
	if len(sig) != 2*size {
		return fmt.Errorf("%w: %s signature of %d bytes, want raw r||s of %d", ErrMalformed, alg, len(sig), 2*size)
	}
	r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
	if r.Sign() == 0 || s.Sign() == 0 {
		return fmt.Errorf("%w: %s signature with r or s zero", ErrMalformed, alg)
	}
	return nil
}
