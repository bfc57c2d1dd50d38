package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/auth/jcs"
)

// cmdProvenance is `jag provenance OBJECT-ID`: where one stored version
// came from (signer, key, submission, receipt) as the hub records it, and,
// unless --no-verify, the client's own re-verification: the stored bytes
// hash to what the hub says, the signature verifies with the signer's
// registered keys (now and when the hub received it), and the receipt is
// signed by the hub and lists this exact version.
//
// Output: for people a key/value summary (the signature and the raw bytes
// only with --signature and --raw); for machines the hub's answer (API.md
// GET /v1/objects/{id}/provenance) with one member added,
// "local_verification": {"sha256","signature_now","signature_at_received",
// "receipt"}, each {"status":"ok|failed|skipped","detail"}.
func cmdProvenance(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "provenance", "[flags] OBJECT-ID")
	var cf clientFlags
	cf.register(fs, e)
	version := fs.String("version", "", `a version's "modified" (default the latest you may see)`)
	noVerify := fs.Bool("no-verify", false, "show what the hub says without checking it here")
	signerJWKS := fs.String("signer-jwks", "", "verify the signature with this JWKS file instead of the hub's copy of the signer's keys")
	hubJWKS := fs.String("hub-jwks", "", "verify the receipt with this JWKS file (the hub's keys, pinned) instead of fetching /.well-known/jwks.json")
	showSig := fs.Bool("signature", false, "also print the detached signature (JWS)")
	showRaw := fs.Bool("raw", false, "also print the stored object, byte for byte")
	output := registerOutput(fs, outText, outJSON)
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	format, err := chooseOutput(e, *output, outText, outJSON)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one OBJECT-ID", errUsage)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	if *version != "" {
		q.Set("version", *version)
	}
	var raw json.RawMessage
	if _, err := c.call(ctx, request{method: "GET", path: "/v1/objects/" + url.PathEscape(fs.Arg(0)) + "/provenance", query: q}, &raw); err != nil {
		return err
	}
	var p provenance
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("decode the hub's answer: %w", err)
	}
	object, err := base64.StdEncoding.DecodeString(p.Raw)
	if err != nil {
		return fmt.Errorf("the hub sent raw bytes that are not base64: %w", err)
	}
	var local *localVerification
	if !*noVerify {
		local = verifyProvenance(ctx, c, &p, object, *signerJWKS, *hubJWKS)
	}
	if err := printProvenance(e.stdout, format, raw, &p, object, local, *showSig, *showRaw); err != nil {
		return err
	}
	if local != nil && local.failed() {
		return &exitError{code: 1, err: errors.New("the local re-verification failed: do not trust this version's provenance")}
	}
	return nil
}

// provenance is the hub's answer, as far as the client reads it.
type provenance struct {
	ID        string `json:"id"`
	Modified  string `json:"modified"`
	Type      string `json:"type"`
	Raw       string `json:"raw"`
	SHA256    string `json:"sha256"`
	Signature string `json:"signature"`
	KID       string `json:"kid"`
	Signer    struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"signer"`
	Submission struct {
		ID       string `json:"id"`
		Received string `json:"received"`
		Receipt  string `json:"receipt"`
	} `json:"submission"`
	Verification struct {
		Now        hubCheck `json:"now"`
		AtReceived hubCheck `json:"at_received"`
	} `json:"verification"`
}

type hubCheck struct {
	At    string `json:"at"`
	Valid bool   `json:"valid"`
	Alg   string `json:"alg"`
	Error string `json:"error"`
}

// check is one local check: "ok", "failed" or "skipped", and why.
type check struct {
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

func checkOK(detail string) check      { return check{"ok", detail} }
func checkFailed(err error) check      { return check{"failed", err.Error()} }
func checkSkipped(detail string) check { return check{"skipped", detail} }

// localVerification is what the client checked itself.
type localVerification struct {
	SHA256              check `json:"sha256"`
	SignatureNow        check `json:"signature_now"`
	SignatureAtReceived check `json:"signature_at_received"`
	Receipt             check `json:"receipt"`
}

// failed reports whether a check that proves provenance failed. A
// signature that no longer verifies now (its key revoked since) is shown
// but is not a failure: it was valid when the hub received it.
func (l *localVerification) failed() bool {
	return l.SHA256.Status == "failed" || l.SignatureAtReceived.Status == "failed" || l.Receipt.Status == "failed"
}

// verifyProvenance re-checks the hub's claims with the client's own code.
func verifyProvenance(ctx context.Context, c *client, p *provenance, object []byte, signerJWKS, hubJWKS string) *localVerification {
	l := &localVerification{}
	canonical, err := jcs.Transform(object)
	digest := ""
	switch {
	case err != nil:
		l.SHA256 = checkFailed(fmt.Errorf("the stored bytes are not canonicalisable JSON: %w", err))
	default:
		sum := sha256.Sum256(canonical)
		digest = hex.EncodeToString(sum[:])
		if digest != p.SHA256 {
			l.SHA256 = checkFailed(fmt.Errorf("the stored bytes hash to %s, the hub says %s", digest, cell(p.SHA256, 80)))
		} else {
			l.SHA256 = checkOK("the stored bytes hash to the digest the hub names")
		}
	}

	keys, src, err := signerKeys(ctx, c, p.Signer.ID, signerJWKS)
	if err != nil {
		l.SignatureNow = checkFailed(err)
		l.SignatureAtReceived = checkFailed(err)
	} else {
		l.SignatureNow = verifyAt(object, keys, time.Now(), src)
		if at, err := time.Parse(time.RFC3339Nano, p.Submission.Received); err != nil {
			l.SignatureAtReceived = checkFailed(fmt.Errorf("the hub's receive time %q does not parse", cell(p.Submission.Received, 60)))
		} else {
			l.SignatureAtReceived = verifyAt(object, keys, at, src)
		}
	}

	switch {
	case p.Submission.Receipt == "":
		l.Receipt = checkSkipped("the hub shows the receipt to the submitting organisation only")
	default:
		l.Receipt = verifyReceipt(ctx, c, p, digest, hubJWKS)
	}
	return l
}

// signerKeys reads the signer's keys from a pinned file or the hub.
func signerKeys(ctx context.Context, c *client, signer, file string) ([]auth.Key, string, error) {
	var data []byte
	src := file
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("read --signer-jwks: %w", err)
		}
		data = b
	} else {
		if signer == "" {
			return nil, "", errors.New("the hub names no signer (the key is not registered)")
		}
		var raw json.RawMessage
		path := "/v1/participants/" + url.PathEscape(signer) + "/jwks"
		if _, err := c.call(ctx, request{method: "GET", path: path}, &raw); err != nil {
			return nil, "", fmt.Errorf("fetch the signer's keys: %s", firstLine(err))
		}
		data, src = raw, "the hub's registry"
	}
	keys, err := auth.ParseJWKS(data, signer)
	if err != nil {
		return nil, "", fmt.Errorf("signer keys: %w", err)
	}
	return keys, src, nil
}

func verifyAt(object []byte, keys []auth.Key, at time.Time, src string) check {
	v, err := auth.VerifyObject(object, keys, at)
	if err != nil {
		return checkFailed(err)
	}
	return checkOK(fmt.Sprintf("%s signature by %s with key %s (from %s), at %s", v.Alg, v.Signer, v.KID, src, humanTime(at.Format(time.RFC3339Nano))))
}

// verifyReceipt checks the receipt is a jag-receipt+jws compact JWS made
// with one of the hub's published keys, and that it names this submission
// and this version with this digest.
func verifyReceipt(ctx context.Context, c *client, p *provenance, digest, file string) check {
	var data []byte
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return checkFailed(fmt.Errorf("read --hub-jwks: %w", err))
		}
		data = b
	} else {
		var raw json.RawMessage
		if _, err := c.call(ctx, request{method: "GET", path: "/.well-known/jwks.json"}, &raw); err != nil {
			return checkFailed(fmt.Errorf("fetch the hub's keys: %s", firstLine(err)))
		}
		data = raw
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return checkFailed(fmt.Errorf("the hub's JWKS: %w", err))
	}
	kid, err := receiptKID(p.Submission.Receipt)
	if err != nil {
		return checkFailed(err)
	}
	found := set.Key(kid)
	if len(found) != 1 {
		where := "the hub's /.well-known/jwks.json does not publish"
		if file != "" {
			where = "--hub-jwks does not hold"
		}
		return checkFailed(fmt.Errorf("the receipt names key %q, which %s", cell(kid, 80), where))
	}
	key := found[0]
	if !slices.Contains(auth.Algorithms, key.Algorithm) {
		return checkFailed(fmt.Errorf("hub key %q has algorithm %q, not one JAG allows", cell(kid, 80), cell(key.Algorithm, 20)))
	}
	jws, err := jose.ParseSignedCompact(p.Submission.Receipt, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(key.Algorithm)})
	if err != nil {
		return checkFailed(fmt.Errorf("receipt: %w", err))
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Protected.ExtraHeaders[jose.HeaderType] != auth.ReceiptType {
		return checkFailed(fmt.Errorf("receipt: not one signature of type %s", auth.ReceiptType))
	}
	payload, err := jws.Verify(key.Key)
	if err != nil {
		return checkFailed(fmt.Errorf("receipt signature: %w", err))
	}
	var r struct {
		Submission string `json:"submission"`
		Objects    []struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
			SHA256   string `json:"sha256"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return checkFailed(fmt.Errorf("receipt payload: %w", err))
	}
	if r.Submission != p.Submission.ID {
		return checkFailed(fmt.Errorf("the receipt is for %s, the hub names %s", cell(r.Submission, 100), cell(p.Submission.ID, 100)))
	}
	for _, o := range r.Objects {
		if o.ID == p.ID && o.Modified == p.Modified {
			if digest == "" || o.SHA256 != digest {
				return checkFailed(fmt.Errorf("the receipt lists this version with digest %s, the stored bytes hash to %s", cell(o.SHA256, 80), orDash(digest)))
			}
			return checkOK(fmt.Sprintf("signed by the hub (key %s) and lists this version among %s", kid, plural(len(r.Objects), "object")))
		}
	}
	return checkFailed(errors.New("the receipt does not list this version"))
}

// receiptKID reads the kid of a compact JWS header without trusting it.
func receiptKID(receipt string) (string, error) {
	head, _, found := strings.Cut(receipt, ".")
	if !found {
		return "", errors.New("the receipt is not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", fmt.Errorf("receipt header: %w", err)
	}
	var h struct {
		KID string `json:"kid"`
	}
	if err := json.Unmarshal(b, &h); err != nil || h.KID == "" {
		return "", errors.New("the receipt header names no key")
	}
	return h.KID, nil
}

// printProvenance prints the answer with the local checks.
func printProvenance(w io.Writer, format string, raw json.RawMessage, p *provenance,
	object []byte, local *localVerification, showSig, showRaw bool) error {
	if !human(format) {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(raw, &doc); err != nil {
			return fmt.Errorf("decode the hub's answer: %w", err)
		}
		if local != nil {
			b, err := json.Marshal(local)
			if err != nil {
				return err
			}
			doc["local_verification"] = b
		}
		if format == outJSONL {
			return writeJSONLine(w, doc)
		}
		return writeJSONDoc(w, doc)
	}
	signer := cell(p.Signer.Name, 80)
	if signer == "" {
		signer = "unknown key owner"
	}
	hubSays := func(h hubCheck) string {
		if h.Valid {
			return "valid (" + h.Alg + ")"
		}
		return "INVALID: " + cell(h.Error, 200)
	}
	localSays := func(c check) string {
		switch c.Status {
		case "ok":
			return "ok: " + cell(c.Detail, 300)
		case "failed":
			return "FAILED: " + cell(c.Detail, 300)
		}
		return "skipped: " + cell(c.Detail, 300)
	}
	var b bytes.Buffer
	tw := newTable(&b)
	fmt.Fprintf(tw, "object\t%s (%s), modified %s\n", cell(p.ID, 100), cell(p.Type, 40), humanTime(p.Modified))
	fmt.Fprintf(tw, "signer\t%s (%s)\n", signer, orDash(cell(p.Signer.ID, 100)))
	fmt.Fprintf(tw, "key\t%s\n", orDash(cell(p.KID, 100)))
	fmt.Fprintf(tw, "sha256\t%s\n", cell(p.SHA256, 80))
	fmt.Fprintf(tw, "submission\t%s, received %s\n", cell(p.Submission.ID, 100), humanTime(p.Submission.Received))
	if p.Submission.Receipt != "" {
		fmt.Fprintf(tw, "receipt\tsigned by the hub (`--output json` prints it)\n")
	} else {
		fmt.Fprintf(tw, "receipt\tshown to the submitting organisation only\n")
	}
	fmt.Fprintf(tw, "hub: now\t%s\n", hubSays(p.Verification.Now))
	fmt.Fprintf(tw, "hub: when received\t%s\n", hubSays(p.Verification.AtReceived))
	if local != nil {
		fmt.Fprintf(tw, "here: digest\t%s\n", localSays(local.SHA256))
		fmt.Fprintf(tw, "here: signature now\t%s\n", localSays(local.SignatureNow))
		fmt.Fprintf(tw, "here: when received\t%s\n", localSays(local.SignatureAtReceived))
		fmt.Fprintf(tw, "here: receipt\t%s\n", localSays(local.Receipt))
	} else {
		fmt.Fprintf(tw, "here\tnot re-verified (--no-verify)\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if local != nil && !local.failed() {
		b.WriteString("verified here: the hub's account of this version checks out\n")
	}
	if showSig {
		fmt.Fprintf(&b, "signature:\n%s\n", p.Signature)
	}
	if showRaw {
		fmt.Fprintf(&b, "raw object:\n%s\n", object)
	}
	_, err := w.Write(b.Bytes())
	return err
}
