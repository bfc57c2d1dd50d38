package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/auth/jcs"
	"github.com/jag-hub/jag/stix"
)

// maxJWKSBytes bounds a JWKS document read by jag verify.
const maxJWKSBytes = 1 << 20

// cmdSign is `jag sign`: sign every object of a bundle (or one object)
// with a participant's private key, offline. The predefined TLP marking
// definitions are left unsigned (the hub recognises them by content).
func cmdSign(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sign", "--key PRIVATE.jwk [--as identity--…] [--recipients ID,ID] FILE|-")
	var keyFile, as, recipients string
	fs.StringVar(&keyFile, "key", envOr(e, "JAG_SIGNING_KEY_FILE", ""), "private JWK file (env JAG_SIGNING_KEY_FILE)")
	fs.StringVar(&as, "as", "", "set created_by_ref of every signed object to this identity id")
	fs.StringVar(&recipients, "recipients", "", "comma-separated identity ids that may see the objects (required for TLP:RED)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if keyFile == "" || fs.NArg() != 1 {
		return fmt.Errorf("%w: --key and one input (file or -) are required", errUsage)
	}
	key, err := readPrivateKey(keyFile)
	if err != nil {
		return err
	}
	var rs []string
	if recipients != "" {
		rs = strings.Split(recipients, ",")
		for i := range rs {
			rs[i] = strings.TrimSpace(rs[i])
		}
	}
	data, err := readInput(e, fs.Arg(0), stix.DefaultMaxBytes)
	if err != nil {
		return err
	}
	signOne := func(raw []byte) ([]byte, error) {
		if as != "" {
			if raw, err = setMember(raw, "created_by_ref", as); err != nil {
				return nil, err
			}
		}
		return auth.SignObject(raw, key, rs)
	}
	if !isBundle(data) {
		out, err := signOne(data)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", out)
		return err
	}
	b, err := stix.DecodeBundle(data, stix.Limits{})
	if err != nil {
		return fmt.Errorf("decode bundle: %w", err)
	}
	var out bytes.Buffer
	out.WriteString(`{"type":"bundle","id":`)
	id, _ := json.Marshal(b.ID)
	out.Write(id)
	out.WriteString(`,"objects":[`)
	for i, o := range b.Objects {
		if i > 0 {
			out.WriteByte(',')
		}
		if stix.IsPredefinedTLPMarking(o) {
			out.Write(o.Raw)
			continue
		}
		signed, err := signOne(o.Raw)
		if err != nil {
			return fmt.Errorf("object %d (%s): %w", i, o.ID, err)
		}
		out.Write(signed)
	}
	out.WriteString("]}\n")
	_, err = e.stdout.Write(out.Bytes())
	return err
}

// cmdVerify is `jag verify`: check every signed object of a bundle (or one
// object) offline against a JWKS; exit 1 naming the objects that fail.
func cmdVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "verify", "--jwks FILE|URL [--participant identity--…] [flags] FILE|-")
	var cf clientFlags
	cf.register(fs, e)
	var jwksSrc, participant string
	fs.StringVar(&jwksSrc, "jwks", "", "JWKS of the signer(s): a file, or an http(s) URL such as the hub's /v1/participants/{id}/jwks (the token goes only to --server)")
	fs.StringVar(&participant, "participant", "", "owner of JWKS keys that do not name one")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	if jwksSrc == "" || fs.NArg() != 1 {
		return fmt.Errorf("%w: --jwks and one input (file or -) are required", errUsage)
	}
	jwks, err := readJWKS(ctx, &cf, jwksSrc)
	if err != nil {
		return err
	}
	keys, err := auth.ParseJWKS(jwks, participant)
	if err != nil {
		return err
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
	var failed []string
	checked := 0
	enc := json.NewEncoder(e.stdout)
	for _, o := range objects {
		if stix.IsPredefinedTLPMarking(o) {
			continue
		}
		checked++
		line := map[string]any{"id": o.ID}
		v, err := auth.VerifyObject(o.Raw, keys, now)
		if err != nil {
			failed = append(failed, o.ID)
			line["ok"], line["error"] = false, err.Error()
		} else {
			line["ok"], line["kid"], line["alg"], line["signer"] = true, v.KID, v.Alg, v.Signer
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d objects failed verification: %s", len(failed), checked, strings.Join(failed, ", "))}
	}
	return nil
}

// readJWKS reads a JWKS from a file or an http(s) URL the user named.
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

// isBundle reports whether data is a JSON object of type "bundle".
func isBundle(data []byte) bool {
	var probe struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &probe) == nil && probe.Type == "bundle"
}

// setMember returns the JSON object raw with member name set to the string
// value, in canonical form.
func setMember(raw []byte, name, value string) ([]byte, error) {
	canonical, err := jcs.Transform(raw)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	m[name] = value
	return jcs.Canonicalize(m)
}
