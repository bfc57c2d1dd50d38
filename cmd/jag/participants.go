package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jag-hub/jag/auth"
)

// cmdParticipant is `jag participant add|list`, run directly on the
// database (works while the hub runs, and before any token exists).
func cmdParticipant(ctx context.Context, e *env, args []string) error {
	sub, rest, err := subcommand(args, "add", "list")
	if err != nil {
		return err
	}
	if sub == "add" {
		return participantAdd(ctx, e, rest)
	}
	return participantList(ctx, e, rest)
}

func participantAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "participant add", "--id identity--… --name NAME [--country CC] [--sector S] [flags]")
	var dbf dbFlags
	var id, name, country, sector string
	dbf.register(fs, e)
	fs.StringVar(&id, "id", "", "STIX identity id of the participant")
	fs.StringVar(&name, "name", "", "name of the organisation")
	fs.StringVar(&country, "country", "", "ISO 3166-1 alpha-2 country code")
	fs.StringVar(&sector, "sector", "", "STIX industry sector (industry-sector-ov)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	p, err := auth.NewParticipant(id, name, country, sector, time.Now())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.DB.CreateParticipant(ctx, p); err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(p)
}

// participantLine is one line of `jag participant list`.
type participantLine struct {
	auth.Participant
	Keys []map[string]any `json:"keys"`
}

func participantList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "participant list", "[flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	ps, err := d.DB.Participants(ctx)
	if err != nil {
		return err
	}
	keys, err := d.DB.Keys(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, p := range ps {
		line := participantLine{Participant: p, Keys: []map[string]any{}}
		for _, k := range keys {
			if k.Participant != p.ID {
				continue
			}
			doc, err := auth.KeyDocument(k)
			if err != nil {
				return err
			}
			line.Keys = append(line.Keys, doc)
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}
