package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// demoBundle writes a small bundle shaped like the Pegasus set (domain
// indicators, a malware, relationships, and an unsigned TLP marking).
func demoBundle(t *testing.T) string {
	t.Helper()
	objs := []string{`{"type":"marking-definition","spec_version":"2.1","id":"` + stix.TLPGreenID + `","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`,
		`{"type":"malware","spec_version":"2.1","id":"malware--2e9d534b-2e11-4758-bdc5-9c3e1c100d4d","created":"2024-01-26T21:28:21.013109Z","modified":"2024-01-26T21:28:21.013109Z","name":"Pegasus","is_family":false}`}
	for i, d := range []string{"weather4free.com", "smscentro.com"} {
		objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--05b7c427-1452-437e-a19e-32590edf60c%d","created":"2024-01-26T21:28:21.013288Z","modified":"2024-01-26T21:28:21.013288Z","indicator_types":["malicious-activity"],"pattern":"[domain-name:value='%s']","pattern_type":"stix","pattern_version":"2.1","valid_from":"2024-01-26T21:28:21.013288Z"}`, i, d),
			fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":"relationship--657ec923-bcf2-4d19-8dc5-1290ad89df5%d","created":"2024-01-26T21:28:21.018127Z","modified":"2024-01-26T21:28:21.018127Z","relationship_type":"indicates","source_ref":"indicator--05b7c427-1452-437e-a19e-32590edf60c%d","target_ref":"malware--2e9d534b-2e11-4758-bdc5-9c3e1c100d4d"}`, i, i))
	}
	path := filepath.Join(t.TempDir(), "pegasus.json")
	body := `{"type":"bundle","id":"bundle--0e3b0f1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f","objects":[` + strings.Join(objs, ",") + `]}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDemo(t *testing.T) {
	t.Parallel()
	dataset := demoBundle(t)
	demo := func(t *testing.T, server, dbURL string) string {
		t.Helper()
		e, out, errb := testEnv(nil)
		code := run(context.Background(), e, []string{"demo", "--server", server, "--database-url", dbURL, "--dataset", dataset})
		if code != 0 {
			t.Fatalf("jag demo: exit %d\n%s\n%s", code, out, errb)
		}
		return out.String()
	}
	wantLines := []string{
		"Registering two participants",
		"5 objects signed.", // the TLP marking stays unsigned
		"stored 5 new object versions",
		"weather4free.com             (domain) 1 match",
		"(exact match)",
		"cdn.weather4free.com         (domain) 1 match",
		"(parent_domain match)",
		"example.org                  (domain) no indicator names it.",
		"Indicators by Amnesty International Security Lab",
	}

	t.Run("OK with a running hub", func(t *testing.T) {
		dbURL := pgtest.URL(t)
		p := startServe(t, dbURL)
		out := demo(t, p.URL, dbURL)
		for _, want := range wantLines {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		// A second run reuses the participants and the stored versions.
		out = demo(t, p.URL, dbURL)
		if !strings.Contains(out, "409 Conflict: an earlier demo run already shared these versions") || !strings.Contains(out, "(exact match)") {
			t.Errorf("second run:\n%s", out)
		}
	})
	t.Run("OK starting its own hub", func(t *testing.T) {
		out := demo(t, "http://"+freeAddr(t), pgtest.URL(t))
		if !strings.Contains(out, "so the demo starts one") || !strings.Contains(out, "(parent_domain match)") ||
			!strings.Contains(out, "The demo stops the hub it started") {
			t.Errorf("output:\n%s", out)
		}
	})
}
