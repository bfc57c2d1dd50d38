package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/auth/jcs"
	"github.com/jag-hub/jag/stix"
)

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
		o, err := stix.DecodeObject(data, stix.Limits{})
		if err != nil {
			return fmt.Errorf("decode object: %w", err)
		}
		if err := signable(o, as); err != nil {
			return err
		}
		out, err := signOne(data)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(e.stdout, "%s\n", out)
		return err
	}
	var probe struct {
		SpecVersion *string `json:"spec_version"`
	}
	if err := json.Unmarshal(data, &probe); err == nil && probe.SpecVersion != nil && *probe.SpecVersion != "2.1" {
		return fmt.Errorf("%w: the bundle is STIX %s (spec_version %q); JAG takes STIX 2.1 only: convert it first", errRefused, cell(*probe.SpecVersion, 20), cell(*probe.SpecVersion, 20))
	}
	b, err := stix.DecodeBundle(data, stix.Limits{})
	if err != nil {
		return fmt.Errorf("decode bundle: %w", err)
	}
	var refused []string
	for _, o := range b.Objects {
		if stix.IsPredefinedTLPMarking(o) {
			continue
		}
		if err := signable(o, as); err != nil {
			refused = append(refused, cell(strings.TrimPrefix(err.Error(), errRefused.Error()+": "), 300))
		}
	}
	if len(refused) > 0 {
		var msg strings.Builder
		fmt.Fprintf(&msg, "%d of %s cannot be signed, nothing was signed:\n", len(refused), plural(len(b.Objects), "object"))
		writeProblems(&msg, refused)
		msg.WriteString(signHint(refused))
		return &exitError{code: 1, err: fmt.Errorf("%s", strings.TrimRight(msg.String(), "\n"))}
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

// errRefused marks input `jag sign` will not sign.
var errRefused = errors.New("refused")

// signable says why o cannot be signed as given: a STIX version other
// than 2.1 (signing would bless what the hub refuses), or no creator when
// --as does not name one (the hub must know whose key to check).
func signable(o *stix.Object, as string) error {
	id := cell(o.ID, 100)
	if id == "" {
		id = "an object without id"
	}
	if o.SpecVersion != "" && o.SpecVersion != "2.1" {
		return fmt.Errorf("%w: %s is STIX %s; JAG takes STIX 2.1 only: convert it first", errRefused, id, cell(o.SpecVersion, 20))
	}
	if o.CreatedByRef == "" && as == "" {
		return fmt.Errorf("%w: %s has no created_by_ref; give --as identity--… (your participant id) to set it", errRefused, id)
	}
	return nil
}

// signHint is the closing hint of a refused sign.
func signHint(refused []string) string {
	for _, r := range refused {
		if strings.Contains(r, "created_by_ref") {
			return "hint: `jag sign --key KEY.jwk --as identity--… FILE` sets created_by_ref on every object\n"
		}
	}
	return "hint: JAG takes STIX 2.1 only\n"
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
