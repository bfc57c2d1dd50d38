package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// collectionGroup is `jag collection add|list|remove`: the TAXII
// collections (named views over the store), directly on the database.
var collectionGroup = commandGroup{
	name: "collection",
	about: "Define the TAXII 2.1 collections: named views over the hub (a filter by type, label, creator,\n" +
		"TLP ceiling and minimum confidence, and the token scopes that may read and write). Every reader\n" +
		"still sees only what the visibility rule lets it see. The built-in collection \"everything\" is\n" +
		"always there.\n\n" + adminAbout,
	subs: []subcommandSpec{
		{"add", "define a collection: --title T [--alias A] [--type T]… [--label L]… [--creator identity--…]… [--max-tlp TLP] [--min-confidence N] [--read-scopes S] [--write-scopes S|none]", collectionAdd},
		{"list", "every collection, the built-in one first (table on a terminal, JSON lines in a pipe)", collectionList},
		{"remove", "remove a collection: --id UUID (its objects stay in the hub)", collectionRemove},
	},
	example: `  jag collection add --title "Indicators up to AMBER" --alias amber-indicators --type indicator --max-tlp amber --write-scopes none
  jag collection list
  jag collection remove --id 0d6c7a5e-3c3b-4f0e-9a8e-4f5a6b7c8d9e`,
}

func cmdCollection(ctx context.Context, e *env, args []string) error {
	return collectionGroup.dispatch(ctx, e, args)
}

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func collectionAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "collection add", "--title TITLE [--alias A] [--type T]... [--label L]... [--creator identity--…]... [--max-tlp TLP] [--min-confidence N] [--read-scopes read] [--write-scopes submit] [flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	c := hub.Collection{}
	var types, labels, creators, read, write listFlag
	var maxTLP string
	minConf := -1
	fs.StringVar(&c.ID, "id", "", "collection id, a lower-case UUID (default: a random one)")
	fs.StringVar(&c.Alias, "alias", "", "short name usable in URLs in place of the id")
	fs.StringVar(&c.Title, "title", "", "title shown to TAXII clients")
	fs.StringVar(&c.Description, "description", "", "description shown to TAXII clients")
	fs.Var(&types, "type", "STIX type the collection holds (repeatable or comma-separated; default: every type)")
	fs.Var(&labels, "label", "label of which an object must carry at least one (repeatable)")
	fs.Var(&creators, "creator", "identity id of a creating org (repeatable)")
	fs.StringVar(&maxTLP, "max-tlp", "", "TLP ceiling: clear, green, amber, amber+strict or red (default: none)")
	fs.IntVar(&minConf, "min-confidence", -1, "minimum confidence 0-100; objects without confidence are left out (default: none)")
	fs.Var(&read, "read-scopes", "token scopes that may read (default read)")
	fs.Var(&write, "write-scopes", "token scopes that may add objects (default submit; \"none\" for a read-only collection)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c.Filter = hub.CollectionFilter{Types: types, Labels: labels, Creators: creators}
	if maxTLP != "" {
		t, err := stix.ParseTLP(maxTLP)
		if err != nil {
			return fmt.Errorf("%w: --max-tlp: %v", errUsage, err)
		}
		c.Filter.MaxTLP = t
	}
	if flagGiven(fs, "min-confidence") {
		c.Filter.MinConfidence = &minConf
	}
	c.ReadScopes, c.WriteScopes = read, write
	if len(c.ReadScopes) == 0 {
		c.ReadScopes = []string{"read"}
	}
	switch {
	case len(c.WriteScopes) == 1 && c.WriteScopes[0] == "none":
		c.WriteScopes = nil
	case len(c.WriteScopes) == 0:
		c.WriteScopes = []string{"submit"}
	}
	if c.ID == "" {
		id, err := hub.NewCollectionID()
		if err != nil {
			return err
		}
		c.ID = id
	}
	if err := c.Validate(); err != nil { // before opening the database
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	c, err = hub.NewCollectionService(d.DB, nil).Create(ctx, c)
	if err != nil {
		return adminError(collectionError(err), fmt.Sprintf("a collection with id %s or alias %q exists (`jag collection list` shows them)", c.ID, c.Alias), "")
	}
	if e.tty {
		_, err := fmt.Fprintf(e.stdout, "added collection %s %q; TAXII clients find it at /taxii2/jag/collections/%s/\n", c.ID, cell(c.Title, 80), c.ID)
		return err
	}
	return writeJSONLine(e.stdout, c)
}

// flagGiven reports whether the flag was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// collectionLine is one line of `jag collection list`.
type collectionLine struct {
	hub.Collection
	BuiltIn bool `json:"built_in,omitempty"`
}

func collectionList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "collection list", "[--output table|text|json|jsonl] [flags]")
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
	cs, err := hub.NewCollectionService(d.DB, nil).List(ctx)
	if err != nil {
		return adminError(err, "", "")
	}
	lines := make([]collectionLine, len(cs))
	for i, c := range cs {
		lines[i] = collectionLine{Collection: c, BuiltIn: c.ID == hub.DefaultCollectionID}
	}
	return printCollections(e.stdout, format, lines)
}

// printCollections prints collections: jsonl one collectionLine per line,
// json {"collections":[…]}, for people a table or one sentence each.
func printCollections(w io.Writer, format string, lines []collectionLine) error {
	if done, err := writeMachine(w, format, "collections", lines); done {
		return err
	}
	filter := func(f hub.CollectionFilter) string {
		var parts []string
		if len(f.Types) > 0 {
			parts = append(parts, "types "+strings.Join(f.Types, ","))
		}
		if len(f.Labels) > 0 {
			parts = append(parts, "labels "+strings.Join(f.Labels, ","))
		}
		if len(f.Creators) > 0 {
			parts = append(parts, plural(len(f.Creators), "creator"))
		}
		if f.MaxTLP != "" {
			parts = append(parts, "up to "+f.MaxTLP.String())
		}
		if f.MinConfidence != nil {
			parts = append(parts, fmt.Sprintf("confidence >= %d", *f.MinConfidence))
		}
		if len(parts) == 0 {
			return "everything the reader may see"
		}
		return strings.Join(parts, "; ")
	}
	scopes := func(s []string) string {
		if len(s) == 0 {
			return "-"
		}
		return strings.Join(s, ",")
	}
	if format == outText {
		for _, l := range lines {
			fmt.Fprintf(w, "%s %q (alias %s): %s; read %s, write %s\n", l.ID, cell(l.Title, 80), orDash(l.Alias),
				filter(l.Filter), scopes(l.ReadScopes), scopes(l.WriteScopes))
		}
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "ID\tALIAS\tTITLE\tFILTER\tREAD\tWRITE")
	for _, l := range lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, orDash(l.Alias), cell(l.Title, 40), cell(filter(l.Filter), 60),
			scopes(l.ReadScopes), scopes(l.WriteScopes))
	}
	return tw.Flush()
}

// collectionError maps the service's refusals to the store sentinels
// adminError words for people.
func collectionError(err error) error {
	var he *hub.Error
	if errors.As(err, &he) && he.Code == hub.CodeConflict {
		return fmt.Errorf("%w: %s", hub.ErrConflict, he.Detail)
	}
	if errors.As(err, &he) && (he.Code == hub.CodeBadRequest || he.Code == hub.CodeForbidden) {
		return fmt.Errorf("%w: %s", errUsage, he.Detail)
	}
	return err
}

func collectionRemove(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "collection remove", "--id UUID [flags]")
	var dbf dbFlags
	dbf.register(fs, e)
	var id string
	fs.StringVar(&id, "id", "", "id of the collection to remove (its objects stay in the hub)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if id == hub.DefaultCollectionID {
		return fmt.Errorf("%w: the built-in collection cannot be removed", errUsage)
	}
	if id == "" {
		return fmt.Errorf("%w: --id is required", errUsage)
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := hub.NewCollectionService(d.DB, nil).Delete(ctx, id); err != nil {
		return adminError(collectionError(err), "", fmt.Sprintf("no collection has id %s (`jag collection list` shows them)", id))
	}
	if e.tty {
		_, err := fmt.Fprintf(e.stdout, "removed collection %s; its objects stay in the hub\n", id)
		return err
	}
	_, err = fmt.Fprintln(e.stdout, id)
	return err
}
