package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// TestCollectionCommands drives jag collection add|list|remove on a
// database.
func TestCollectionCommands(t *testing.T) {
	t.Parallel()
	db := "--database-url=" + pgtest.URL(t)
	code, out, errs := runJag(t, "", "collection", "add", db, "--title", "APT, amber", "--alias", "apt", "--type", "indicator,malware",
		"--label", "apt", "--max-tlp", "AMBER", "--min-confidence", "0", "--write-scopes", "none")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errs)
	}
	var c hub.Collection
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if c.Alias != "apt" || len(c.Filter.Types) != 2 || c.Filter.MaxTLP != "amber" || c.Filter.MinConfidence == nil ||
		*c.Filter.MinConfidence != 0 || c.WriteScopes != nil || c.ReadScopes[0] != "read" {
		t.Fatalf("add printed %s", out)
	}
	if code, _, errs := runJag(t, "", "collection", "add", db, "--title", "again", "--alias", "apt"); code != 1 || !strings.Contains(errs, "conflict") {
		t.Fatalf("duplicate alias: %d %s", code, errs)
	}
	for _, bad := range [][]string{{"--title", ""}, {"--title", "x", "--max-tlp", "purple"}, {"--title", "x", "--type", "Indicator"},
		{"--title", "x", "--min-confidence", "101"}, {"--title", "x", "--read-scopes", "root"}, {"--title", "x", "--id", "nope"}} {
		if code, _, errs := runJag(t, "", append([]string{"collection", "add", db}, bad...)...); code != 2 {
			t.Fatalf("%v: exit %d (%s), want 2", bad, code, errs)
		}
	}
	code, out, _ = runJag(t, "", "collection", "list", db)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], hub.DefaultCollectionID) || !strings.Contains(lines[0], `"built_in":true`) ||
		!strings.Contains(lines[1], c.ID) {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, _, errs := runJag(t, "", "collection", "remove", db, "--id", hub.DefaultCollectionID); code != 2 {
		t.Fatalf("remove built-in: %d %s", code, errs)
	}
	if code, out, errs := runJag(t, "", "collection", "remove", db, "--id", c.ID); code != 0 || strings.TrimSpace(out) != c.ID {
		t.Fatalf("remove: %d %s %s", code, out, errs)
	}
	if code, _, errs := runJag(t, "", "collection", "remove", db, "--id", c.ID); code != 1 || !strings.Contains(errs, "no collection has id") {
		t.Fatalf("remove again: %d %s", code, errs)
	}
}
