package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// maxJWKSBytes bounds a JWKS document read by jag verify.
const maxJWKSBytes = 1 << 20

// cmdVerify is `jag verify`: check every signed object of a bundle (or one
// object) offline against a JWKS; exit 1 naming the objects that fail.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify", "--jwks FILE|URL [--participant identity--…] [flags] FILE|-")
	var cf clientFlags
	cf.register(fs, e)
	var jwksSrc, participant string
	fs.StringVar(&jwksSrc, "jwks", "", "JWKS of the signer(s): a file, or an http(s) URL such as the hub's /v1/participants/{id}/jwks (the token goes only to --server)")
	fs.StringVar(&participant, "participant", "", "owner of JWKS keys that do not name one")
	output := registerOutput(fs, outTable, outJSONL)
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	format, err := chooseOutput(e, *output, outTable, outJSONL)
	if err != nil {
		return err
	}
	if jwksSrc == "" || fs.NArg() != 1 {
		return fmt.Errorf("%w: --jwks and one input (file or -) are required", errUsage)
	}
	jwks, err := readJWKS(ctx, &cf, jwksSrc)
	if err != nil {
		return err
	}
	keys, err := auth.ParseJWKS(asJWKS(jwks), participant)
	if err != nil {
		return err
	}
	var nameless []string
	for _, k := range keys {
		if k.Participant == "" {
			nameless = append(nameless, cell(k.KID, 80))
		}
	}
	switch {
	case len(keys) == 0:
		return fmt.Errorf("%w: the JWKS %s holds no key", errUsage, cell(jwksSrc, 200))
	case len(nameless) == len(keys):
		return fmt.Errorf("%w: the keys of %s do not say whose they are (no \"participant\" member); "+
			"give --participant identity--… (the signer's participant id), or use the hub's JWKS %s/v1/participants/ID/jwks, which names it",
			errUsage, cell(jwksSrc, 200), cf.server)
	case len(nameless) > 0:
		fmt.Fprintf(e.stderr, "jag verify: %s name no participant and cannot verify anything: %s (give --participant)\n",
			plural(len(nameless), "key"), strings.Join(nameless, ", "))
	}
	data, err := readInput(e, fs.Arg(0), stix.DefaultMaxBytes)
	if err != nil {
		return err
	}
	objects := []*stix.Object{}
	if isBundle(data) {
		b, err := stix.DecodeBundle(data, stix.Limits{})
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("decode bundle: %w", err)}
		}
		objects = b.Objects
	} else {
		o, err := stix.DecodeObject(data, stix.Limits{})
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("decode object: %w", err)}
		}
		objects = append(objects, o)
	}
	now := time.Now()
	var results []verifyResult
	for _, o := range objects {
		if stix.IsPredefinedTLPMarking(o) {
			continue
		}
		r := verifyResult{ID: o.ID}
		v, err := auth.VerifyObject(o.Raw, keys, now)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.OK, r.KID, r.Alg, r.Signer = true, v.KID, v.Alg, v.Signer
		}
		results = append(results, r)
	}
	return printVerification(e.stdout, format, results)
}

// verifyResult is one object's result of `jag verify`: in jsonl one line
// {"id","ok","kid","alg","signer"} or {"id","ok":false,"error"}.
type verifyResult struct {
	ID     string `json:"id"`
	OK     bool   `json:"ok"`
	KID    string `json:"kid,omitempty"`
	Alg    string `json:"alg,omitempty"`
	Signer string `json:"signer,omitempty"`
	Error  string `json:"error,omitempty"`
}

// printVerification prints the results (json: {"checked","failed",
// "results":[…]}); for people the signers and keys that verified, then
// at most maxProblems failures. Any failure is exit status 1.
func printVerification(w io.Writer, format string, results []verifyResult) error {
	var failed []string
	for _, r := range results {
		if !r.OK {
			failed = append(failed, cell(r.ID, 100)+": "+cell(humanVerifyError(r.Error), 300))
		}
	}
	switch format {
	case outJSONL:
		for _, r := range results {
			if err := writeJSONLine(w, r); err != nil {
				return err
			}
		}
	case outJSON:
		if results == nil {
			results = []verifyResult{}
		}
		doc := struct {
			Checked int            `json:"checked"`
			Failed  int            `json:"failed"`
			Results []verifyResult `json:"results"`
		}{len(results), len(failed), results}
		if err := writeJSONDoc(w, doc); err != nil {
			return err
		}
	default:
		type signerKey struct{ signer, kid, alg string }
		counts := map[signerKey]int{}
		var order []signerKey
		for _, r := range results {
			if r.OK {
				k := signerKey{r.Signer, r.KID, r.Alg}
				if counts[k] == 0 {
					order = append(order, k)
				}
				counts[k]++
			}
		}
		if len(order) > 0 {
			tw := newTable(w)
			fmt.Fprintln(tw, "SIGNER\tKEY\tALG\tVERIFIED")
			for _, k := range order {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(k.signer, 100), cell(k.kid, 80), k.alg, plural(counts[k], "object"))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if len(failed) == 0 {
			fmt.Fprintf(w, "all %s verified\n", plural(len(results), "signed object"))
			return nil
		}
		fmt.Fprintf(w, "%s of %d failed:\n", plural(len(failed), "object"), len(results))
		writeProblems(w, failed)
	}
	if len(failed) > 0 {
		ids := make([]string, 0, maxProblems)
		for _, r := range results {
			if !r.OK && len(ids) < maxProblems {
				ids = append(ids, cell(r.ID, 100))
			}
		}
		more := ""
		if len(failed) > maxProblems {
			more = fmt.Sprintf(" …and %d more", len(failed)-maxProblems)
		}
		return &exitError{code: 1, err: fmt.Errorf("%d of %d objects failed verification: %s%s", len(failed), len(results), strings.Join(ids, ", "), more)}
	}
	return nil
}

// humanVerifyError says what a verification error means for people.
func humanVerifyError(msg string) string {
	switch {
	case strings.Contains(msg, "error in cryptographic primitive"):
		return "the signature does not match the object: it was changed after signing, or signed with another key"
	case strings.Contains(msg, auth.ErrUnsigned.Error()):
		return "not signed: sign it with `jag sign --key KEY.jwk --as identity--… FILE`"
	case strings.Contains(msg, auth.ErrKeyNotFound.Error()):
		return msg + " (the JWKS has no key with the signature's kid)"
	}
	return msg
}

// readJWKS reads a JWKS from a file or an http(s) URL the user named.
// asJWKS accepts a single public JWK (what `jag keygen` prints) where a
// JWKS is expected, by wrapping it as a one-key set; anything else is
// returned unchanged for ParseJWKS to judge.
func asJWKS(data []byte) []byte {
	var probe struct {
		Kty  *string          `json:"kty"`
		Keys *json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(data, &probe) != nil || probe.Kty == nil || probe.Keys != nil {
		return data
	}
	return append(append([]byte(`{"keys":[`), bytes.TrimSpace(data)...), "]}"...)
}

func readJWKS(ctx context.Context, cf *clientFlags, src string) ([]byte, error) {
	u, err := url.Parse(src)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		data, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("read JWKS: %w", err)
		}
		return data, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	c, err := cf.client()
	if err != nil {
		return nil, err
	}
	// The hub's participant JWKS needs a token; send it only to the hub the
	// client is configured for, never to another host named on the command line.
	if strings.HasPrefix(src, c.base.String()+"/") && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS: %s answered %s", u.Host, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes))
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	return data, nil
}
