package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/jag-hub/jag/hub/translog"
)

// `jag witness`: any participant co-signs the hub's checkpoint after
// checking that it extends the last checkpoint it co-signed, and hands the
// cosignature (C2SP tlog-cosignature, cosignature/v1) to the hub. A hub
// that shows this witness two trees that do not extend each other is
// caught here, whichever it showed first.

func cmdWitness(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "keygen" {
		return cmdWitnessKeygen(e, args[1:])
	}
	fs := newFlagSet(e, "witness", "[flags] | keygen --name NAME --out FILE")
	var f logFlags
	f.register(fs, e)
	keyFile := fs.String("key", envOr(e, "JAG_WITNESS_KEY_FILE", ""), "the witness's private key file (from jag witness keygen) (env JAG_WITNESS_KEY_FILE)")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	if *keyFile == "" {
		return fmt.Errorf("%w: --key is required", errUsage)
	}
	if len(f.witnesses) > 0 {
		return fmt.Errorf("%w: a witness checks the log itself; --witness is for jag log verify", errUsage)
	}
	skey, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("read witness key: %w", err)
	}
	signer, err := translog.NewCosigner(strings.TrimSpace(string(skey)), nil)
	if err != nil {
		return fmt.Errorf("witness key %s: %w", *keyFile, err)
	}
	s, err := openLog(&f)
	if err != nil {
		return err
	}
	// current checks the hub's signature and consistency with the last
	// checkpoint this witness co-signed (the state file) before anything
	// is signed.
	cur, msg, err := s.current(ctx, 0)
	if err != nil {
		return fmt.Errorf("refusing to cosign: %w", err)
	}
	line, err := translog.Cosign(cur, signer)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"key": signer.Verifier(), "checkpoint": string(msg) + line})
	if err != nil {
		return err
	}
	var ans struct {
		Witness string `json:"witness"`
		Size    int64  `json:"size"`
	}
	// The state moves first: once this witness has signed a tree it must
	// never sign one that does not extend it, delivered or not.
	s.state.Checkpoint = string(msg) + line
	if err := saveLogState(f.state, s.state); err != nil {
		return err
	}
	if _, err := s.c.call(ctx, request{method: "POST", path: "/v1/log/cosignatures", body: body}, &ans); err != nil {
		return fmt.Errorf("deliver cosignature: %w", err)
	}
	return json.NewEncoder(e.stdout).Encode(map[string]any{"witness": signer.Name(), "size": cur.Size, "cosignature": strings.TrimSpace(line)})
}

func cmdWitnessKeygen(e *env, args []string) error {
	fs := newFlagSet(e, "witness keygen", "--name NAME --out FILE")
	name := fs.String("name", "", "the witness's name, a schema-less URL such as cert.example.org/witness")
	out := fs.String("out", "", "file to write the private key to (mode 0600; must not exist)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" || *out == "" {
		return fmt.Errorf("%w: --name and --out are required", errUsage)
	}
	skey, vkey, err := translog.GenerateWitnessKey(*name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write witness key: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("write witness key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write witness key: %w", err)
	}
	_, err = fmt.Fprintln(e.stdout, vkey)
	return err
}
