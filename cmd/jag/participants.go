package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jag-hub/jag/auth"
)

// participantGroup is `jag participant add|list`, run directly on the
// database (works while the hub runs, and before any token exists).
var participantGroup = commandGroup{
	name: "participant",
	about: "Register the organisations that share through the hub (each a STIX identity), and list them\nwith their signing keys.\n\n" +
		adminAbout,
	subs: []subcommandSpec{
		{"add", "register an organisation: --id identity--… --name NAME [--country CC] [--sector S]", participantAdd},
		{"list", "every participant with its keys (table on a terminal, JSON lines in a pipe)", participantList},
	},
	example: `  jag participant add --id identity--8f7c0c39-6f2b-4b43-9f55-5c1b4e1f8a01 --name "KR CERT" --country KR --sector government
  jag key add --participant identity--8f7c0c39-6f2b-4b43-9f55-5c1b4e1f8a01 --jwk krcert.pub.jwk
  jag participant list`,
}

func cmdParticipant(ctx context.Context, e *env, args []string) error {
	return participantGroup.dispatch(ctx, e, args)
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
		return adminError(err, fmt.Sprintf("participant %s is already registered (`jag participant list` shows it)", id), "")
	}
	if e.tty {
		_, err := fmt.Fprintf(e.stdout, "added participant %s %q; next: register its public key with `jag key add --participant %s --jwk PUBLIC.jwk`\n",
			p.ID, cell(p.Name, 80), p.ID)
		return err
	}
	return writeJSONLine(e.stdout, p)
}

// participantLine is one line of `jag participant list` in a pipe: the
// participant (id, name, country, sector, identity, created_at) and its
// keys as the hub's JWKS documents render them.
type participantLine struct {
	auth.Participant
	Keys []map[string]any `json:"keys"`
}

func participantList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "participant list", "[--output table|text|json|jsonl] [flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	format, err := parseOutput(e, fs, args, outTable, outJSONL)
	if err != nil {
		return err
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	ps, err := d.DB.Participants(ctx)
	if err != nil {
		return adminError(err, "", "")
	}
	keys, err := d.DB.Keys(ctx)
	if err != nil {
		return adminError(err, "", "")
	}
	lines := make([]participantLine, 0, len(ps))
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
		lines = append(lines, line)
	}
	return printParticipants(e.stdout, format, lines, keys, time.Now())
}

// printParticipants prints the participants: jsonl one participantLine per
// line, json {"participants":[…]}, for people a table with key counts.
func printParticipants(w io.Writer, format string, lines []participantLine, keys []auth.Key, now time.Time) error {
	if done, err := writeMachine(w, format, "participants", lines); done {
		return err
	}
	if len(lines) == 0 {
		_, err := io.WriteString(w, "no participant is registered yet; add one with `jag participant add --id identity--… --name NAME`\n")
		return err
	}
	if format == outText {
		for _, l := range lines {
			active, revoked := keyCounts(keys, l.ID, now)
			fmt.Fprintf(w, "%s %q (%s, %s): %s, %s\n", l.ID, cell(l.Name, 80), orDash(l.Country), orDash(l.Sector),
				plural(active, "active key"), plural(revoked, "revoked key"))
		}
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tNAME\tCOUNTRY\tSECTOR\tKEYS")
	for _, l := range lines {
		active, revoked := keyCounts(keys, l.ID, now)
		ks := fmt.Sprintf("%d active", active)
		if revoked > 0 {
			ks += fmt.Sprintf(", %d revoked", revoked)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.ID, cell(l.Name, 60), orDash(l.Country), orDash(l.Sector), ks)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s; `jag key list` shows the keys\n", plural(len(lines), "participant"))
	return err
}

// keyCounts counts the keys of participant valid at now and the others.
func keyCounts(keys []auth.Key, participant string, now time.Time) (active, revoked int) {
	for _, k := range keys {
		if k.Participant != participant {
			continue
		}
		if k.RevokedAt != nil && !now.Before(*k.RevokedAt) {
			revoked++
		} else {
			active++
		}
	}
	return active, revoked
}
