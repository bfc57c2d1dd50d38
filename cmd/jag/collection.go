package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/stix"
)

// cmdCollection is `jag collection add|list|remove`: the TAXII
// collections (named views over the store), directly on the database.
func cmdCollection(ctx context.Context, e *env, args []string) error {
	sub, rest, err := subcommand(args, "add", "list", "remove")
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		return collectionAdd(ctx, e, rest)
	case "remove":
		return collectionRemove(ctx, e, rest)
	}
	return collectionList(ctx, e, rest)
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
	c.Created = time.Now().UTC().Truncate(time.Microsecond)
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	d, err := dbf.openAdmin(ctx, e)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.DB.CreateCollection(ctx, &c); err != nil {
		if errors.Is(err, hub.ErrCollectionExists) {
			return fmt.Errorf("conflict: %w", err)
		}
		return err
	}
	return json.NewEncoder(e.stdout).Encode(c)
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
	fs := newFlagSet(e, "collection list", "[flags]")
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
	cs, err := d.DB.Collections(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	if err := enc.Encode(collectionLine{Collection: hub.DefaultCollection(), BuiltIn: true}); err != nil {
		return err
	}
	for _, c := range cs {
		if err := enc.Encode(collectionLine{Collection: c}); err != nil {
			return err
		}
	}
	return nil
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
	if err := d.DB.DeleteCollection(ctx, id); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, id)
	return nil
}
