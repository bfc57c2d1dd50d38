package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jag-hub/jag/auth"
)

// cmdKeygen is `jag keygen`: a new private signing key written to a file
// only its owner can read, the public JWK printed for registration.
func cmdKeygen(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "keygen", "[--alg "+strings.Join(auth.Algorithms, "|")+"] [--out FILE]")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: jag keygen [--alg ALG] [--out FILE]\n\n"+
			"Generates a signing key for `jag sign`: the private JWK goes to --out (mode 0600, never\n"+
			"overwritten), the public JWK to stdout for `jag key add`.\n\nAlgorithms:\n")
		for _, a := range auth.Algorithms {
			fmt.Fprintf(e.stderr, "  %-6s %s\n", a, algorithmNotes[a])
		}
		fmt.Fprintln(e.stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	var alg, out string
	fs.StringVar(&alg, "alg", "EdDSA", "signature algorithm of the key: "+strings.Join(auth.Algorithms, ", "))
	fs.StringVar(&out, "out", "jag-key.jwk", "file for the private JWK (created with mode 0600; never overwritten)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !slices.Contains(auth.Algorithms, alg) {
		return fmt.Errorf("%w: --alg %q is not supported; choose one of %s", errUsage, cell(alg, 40), strings.Join(auth.Algorithms, ", "))
	}
	k, err := auth.GenerateKey(alg)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	priv, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write private key: %w", err)
	}
	if _, err := f.Write(append(priv, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write private key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write private key: %w", err)
	}
	pub := k.Public()
	data, err := json.Marshal(&pub)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(data))
	return nil
}

// algorithmNotes describes each algorithm of auth.Algorithms for keygen's help.
var algorithmNotes = map[string]string{
	"EdDSA": "Ed25519 (default): small keys, fast, deterministic signatures",
	"ES256": "ECDSA P-256 with SHA-256",
	"ES384": "ECDSA P-384 with SHA-384",
	"PS256": "RSA-PSS 3072-bit with SHA-256",
	"RS256": "RSA PKCS#1 v1.5 3072-bit with SHA-256 (for tooling that lacks PSS)",
}

// keyGroup is `jag key add|list|revoke`, run directly on the database.
var keyGroup = commandGroup{
	name: "key",
	about: "Register, list and revoke the public keys participants sign their objects with (the hub\nchecks every submitted object against them).\n\n" +
		adminAbout,
	subs: []subcommandSpec{
		{"add", "register a public key: --participant identity--… --jwk PUBLIC.jwk (as jag keygen printed it)", keyAdd},
		{"list", "every registered key, revoked ones too [--participant identity--…]", keyList},
		{"revoke", "revoke a key from now on: --kid KID (objects it signed earlier stay verifiable)", keyRevoke},
	},
	example: `  jag keygen --alg EdDSA --out krcert.jwk > krcert.pub.jwk
  jag key add --participant identity--8f7c0c39-6f2b-4b43-9f55-5c1b4e1f8a01 --jwk krcert.pub.jwk
  jag key list
  jag key revoke --kid KID`,
}

func cmdKey(ctx context.Context, e *env, args []string) error {
	return keyGroup.dispatch(ctx, e, args)
}

func keyAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "key add", "--participant identity--… --jwk FILE [--not-before RFC3339] [flags]")
	var dbf dbFlags
	var participant, file, notBefore string
	dbf.register(fs, e)
	fs.StringVar(&participant, "participant", "", "identity id of the key's owner")
	fs.StringVar(&file, "jwk", "", "file with the public JWK (as printed by jag keygen)")
	fs.StringVar(&notBefore, "not-before", "", "first instant the key is valid (default now)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if participant == "" || file == "" {
		return fmt.Errorf("%w: --participant and --jwk are required", errUsage)
	}
	nb := time.Now()
	if notBefore != "" {
		var err error
		if nb, err = time.Parse(time.RFC3339, notBefore); err != nil {
			return fmt.Errorf("%w: --not-before: %v", errUsage, err)
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read JWK: %w", err)
	}
	jwk, err := auth.ParseJWK(data)
	if err != nil {
		return err
	}
	if !jwk.IsPublic() {
		return fmt.Errorf("%w: %s holds a private key; register the public JWK that jag keygen printed", auth.ErrInvalidKey, file)
	}
	k, err := auth.NewKey(participant, jwk, nb)
	if err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.DB.AddKey(ctx, k); err != nil {
		return adminError(err, fmt.Sprintf("key %s is already registered", k.KID),
			fmt.Sprintf("no participant %s: register it first with `jag participant add --id %s --name NAME`", participant, participant))
	}
	if e.tty {
		_, err := fmt.Fprintf(e.stdout, "added %s key %s for %s, valid from %s\n", k.Alg, k.KID, k.Participant, humanTime(k.NotBefore.Format(time.RFC3339Nano)))
		return err
	}
	return printKey(e, k)
}

func keyRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "key revoke", "--kid KID [flags]")
	var dbf dbFlags
	var kid string
	dbf.register(fs, e)
	fs.StringVar(&kid, "kid", "", "id of the key to revoke")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if kid == "" {
		return fmt.Errorf("%w: --kid is required", errUsage)
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	k, err := d.DB.RevokeKey(ctx, kid, time.Now())
	if err != nil {
		if errors.Is(err, auth.ErrKeyNotFound) {
			return fmt.Errorf("no key %q (`jag key list` shows the registered keys)", cell(kid, 100))
		}
		return adminError(err, "", fmt.Sprintf("no key %q", cell(kid, 100)))
	}
	if e.tty {
		_, err := fmt.Fprintf(e.stdout, "revoked key %s of %s from %s; objects it signed before stay verifiable\n",
			k.KID, k.Participant, humanTime(k.RevokedAt.Format(time.RFC3339Nano)))
		return err
	}
	return printKey(e, k)
}

func keyList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "key list", "[--participant identity--…] [--output table|text|json|jsonl] [flags]")
	var dbf dbFlags
	var participant string
	dbf.register(fs, e)
	fs.StringVar(&participant, "participant", "", "only the keys of this participant")
	format, err := parseOutput(e, fs, args, outTable, outJSONL)
	if err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	var keys []auth.Key
	if participant != "" {
		if _, err := d.DB.Participant(ctx, participant); err != nil {
			return adminError(err, "", fmt.Sprintf("no participant %s (`jag participant list` shows them)", cell(participant, 100)))
		}
		keys, err = d.DB.ParticipantKeys(ctx, participant)
	} else {
		keys, err = d.DB.Keys(ctx)
	}
	if err != nil {
		return adminError(err, "", "")
	}
	names := map[string]string{}
	if human(format) {
		ps, err := d.DB.Participants(ctx)
		if err != nil {
			return adminError(err, "", "")
		}
		for _, p := range ps {
			names[p.ID] = p.Name
		}
	}
	return printKeys(e.stdout, format, keys, names, time.Now())
}

// printKeys prints keys: jsonl one JWKS key document per line (kty, kid,
// alg, use, the public parameters, participant, not_before, revoked_at),
// json {"keys":[…]} (a JWK Set), for people a table.
func printKeys(w io.Writer, format string, keys []auth.Key, names map[string]string, now time.Time) error {
	docs := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		doc, err := auth.KeyDocument(k)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
	}
	if done, err := writeMachine(w, format, "keys", docs); done {
		return err
	}
	if len(keys) == 0 {
		_, err := io.WriteString(w, "no key is registered; add one with `jag key add --participant identity--… --jwk PUBLIC.jwk`\n")
		return err
	}
	status := func(k auth.Key) string {
		switch {
		case k.RevokedAt != nil && !now.Before(*k.RevokedAt):
			return "revoked " + humanTime(k.RevokedAt.Format(time.RFC3339Nano))
		case now.Before(k.NotBefore):
			return "not yet valid"
		}
		return "active"
	}
	if format == outText {
		for _, k := range keys {
			fmt.Fprintf(w, "%s key %s of %s, valid from %s: %s\n", k.Alg, k.KID, nameOf(names, k.Participant),
				humanTime(k.NotBefore.Format(time.RFC3339Nano)), status(k))
		}
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "KID\tPARTICIPANT\tALG\tNOT BEFORE\tSTATUS")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.KID, nameOf(names, k.Participant), k.Alg,
			humanTime(k.NotBefore.Format(time.RFC3339Nano)), status(k))
	}
	return tw.Flush()
}

func printKey(e *env, k auth.Key) error {
	doc, err := auth.KeyDocument(k)
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(doc)
}
