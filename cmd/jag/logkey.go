package main

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/jag-hub/jag/hub/translog"
)

// `jag log key list|rotate|retire`, run directly on the database.
//
// Rotation keeps the log's origin and tree: `rotate` adds a key of the
// same name; after a rolling restart every replica signs each checkpoint
// with both keys, so clients pinned to the old key keep verifying and
// move to the new one (jag log verify --log-key NEW re-pins when the
// checkpoint carries both signatures); `retire OLD` then stops the old
// key signing at the next restart.
var logKeyGroup = commandGroup{
	name: "log key",
	about: "List, rotate and retire the transparency log's signing keys, directly on the database\n" +
		"(rotation keeps the origin and the tree; see README \"Transparency log\").",
	subs: []subcommandSpec{
		{"list", "every log key, retired ones too", logKeyRunner("list")},
		{"rotate", "add a successor key of the same name (every replica signs with both after a restart)", logKeyRunner("rotate")},
		{"retire", "stop a key signing at the next restart: VKEY", logKeyRunner("retire")},
	},
	example: `  jag log key list
  jag log key rotate
  jag log key retire VKEY`,
}

func cmdLogKey(ctx context.Context, e *env, args []string) error {
	return logKeyGroup.dispatch(ctx, e, args)
}

func logKeyRunner(sub string) func(context.Context, *env, []string) error {
	return func(ctx context.Context, e *env, rest []string) error { return logKey(ctx, e, sub, rest) }
}

func logKey(ctx context.Context, e *env, sub string, rest []string) error {
	fs := newFlagSet(e, "log key "+sub, "[flags]"+map[string]string{"retire": " VKEY"}[sub])
	var dbf dbFlags
	dbf.register(fs, e)
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if (sub == "retire") != (fs.NArg() == 1) || fs.NArg() > 1 {
		return fmt.Errorf("%w: retire takes one verifier key, list and rotate none", errUsage)
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	switch sub {
	case "rotate":
		keys, err := d.DB.LogKeys(ctx)
		if err != nil {
			return err
		}
		var origin string
		for _, k := range keys {
			if k.RetiredAt == nil {
				v, err := note.NewVerifier(k.VKey)
				if err != nil {
					return err
				}
				origin = v.Name()
				break
			}
		}
		if origin == "" {
			return fmt.Errorf("no active log key to rotate; jag serve generates the first one")
		}
		skey, vkey, err := translog.GenerateLogKey(origin)
		if err != nil {
			return err
		}
		if err := d.DB.AddLogKey(ctx, translog.Key{VKey: vkey, SKey: skey}); err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.stdout, vkey)
		return err
	case "retire":
		return d.DB.RetireLogKey(ctx, fs.Arg(0))
	}
	keys, err := d.DB.LogKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		state := "active"
		if k.RetiredAt != nil {
			state = "retired " + k.RetiredAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		fmt.Fprintf(e.stdout, "%s\t%s\n", k.VKey, state)
	}
	return nil
}
