package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jag-hub/jag/auth"
)

// cmdKeygen is `jag keygen`: a new private signing key written to a file
// only its owner can read, the public JWK printed for registration.
func cmdKeygen(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "keygen", "[--alg EdDSA|ES256|ES384|PS256|RS256] [--out FILE]")
	var alg, out string
	fs.StringVar(&alg, "alg", "EdDSA", "signature algorithm of the key")
	fs.StringVar(&out, "out", "jag-key.jwk", "file for the private JWK (created with mode 0600; never overwritten)")
	if err := parseFlags(fs, args); err != nil {
		return err
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

// cmdKey is `jag key add|revoke`, run directly on the database.
func cmdKey(ctx context.Context, e *env, args []string) error {
	sub, rest, err := subcommand(args, "add", "revoke")
	if err != nil {
		return err
	}
	if sub == "add" {
		return keyAdd(ctx, e, rest)
	}
	return keyRevoke(ctx, e, rest)
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
			return fmt.Errorf("no key %q", kid)
		}
		return err
	}
	return printKey(e, k)
}

func printKey(e *env, k auth.Key) error {
	doc, err := auth.KeyDocument(k)
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(doc)
}
