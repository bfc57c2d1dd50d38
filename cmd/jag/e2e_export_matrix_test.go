package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
	"github.com/jag-hub/jag/stix"
)

// TestExportVisibilityMatrix stores one indicator for every TLP ×
// recipients × creator combination of the visibility matrix (each naming
// its own domain and address), then exports in every format as every
// tier × org and anonymously (public access on): each export holds
// exactly the values and ids of the objects auth.Visible lets the caller
// see. Then a version only org A's members may see arrives: every other
// caller's conditional poll still answers 304 (its tag learned nothing),
// A's members get a new export.
func TestExportVisibilityMatrix(t *testing.T) {
	t.Parallel()
	A, B, C := e2eOrgA, e2eOrgB, e2eOrgC
	w := newWorld(t, pgtest.URL(t), A, B, C)
	p := startServe(t, w.dbURL, "--public-access")

	tlps := []struct{ marking, stored string }{
		{stix.TLPClearID, auth.TLPClear}, {stix.TLPGreenID, auth.TLPGreen}, {stix.TLPAmberID, auth.TLPAmber},
		{stix.TLPAmberStrictID, auth.TLPAmberStrict}, {stix.TLPRedID, auth.TLPRed}, {"", auth.TLPAmber},
	}
	type object struct {
		id, domain, ip string
		marking        auth.Marking
	}
	var objects []object
	byCreator := map[string][]string{}
	for _, tlp := range tlps {
		for _, rcpt := range [][]string{nil, {A}, {B}, {A, B}} {
			for _, creator := range []string{A, B} {
				if tlp.stored == auth.TLPRed && rcpt == nil {
					continue
				}
				n := len(objects)
				o := object{id: w.id("indicator"), domain: fmt.Sprintf("o%d.matrix.example", n), ip: fmt.Sprintf("198.18.0.%d", n+1),
					marking: auth.Marking{TLP: tlp.stored, Recipients: rcpt, CreatedBy: creator}}
				extra := ""
				if tlp.marking != "" {
					extra = marking(tlp.marking)
				}
				pat := "[domain-name:value = '" + o.domain + "' OR ipv4-addr:value = '" + o.ip + "']"
				byCreator[creator] = append(byCreator[creator], w.sign(creator, indicatorOf(creator, o.id, "2026-01-01T00:00:00.000Z", pat, extra), rcpt...))
				objects = append(objects, o)
			}
		}
	}
	w.submit(p.URL, A, byCreator[A]...)
	w.submit(p.URL, B, byCreator[B]...)

	type caller struct {
		name      string
		principal *auth.Principal
		authz     string
	}
	callers := []caller{{name: "anonymous"}}
	for _, org := range []string{A, B, C, ""} {
		for _, tier := range auth.Tiers {
			if org == "" && tier != auth.TierCommunity {
				continue
			}
			callers = append(callers, caller{name: tier + "@" + orgName(org), principal: &auth.Principal{Org: org, Tier: tier},
				authz: basicAuth(w.token(org, tier, "read"))})
		}
	}
	tags := map[string]string{}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			var visible, hidden []object
			for _, o := range objects {
				if auth.Visible(c.principal, o.marking) {
					visible = append(visible, o)
				} else {
					hidden = append(hidden, o)
				}
			}
			get := func(format string) string {
				t.Helper()
				got := getExport(t, p.URL+"/v1/exports/"+format, c.authz, "")
				if got.status != 200 {
					t.Fatalf("%s: %d %s", format, got.status, got.body)
				}
				if format == "domain" {
					tags[c.name] = got.header.Get("ETag")
				}
				return got.body
			}
			var wantDomains, wantIPs, wantIDs []string
			for _, o := range visible {
				wantDomains, wantIPs, wantIDs = append(wantDomains, o.domain), append(wantIPs, o.ip), append(wantIDs, o.id)
			}
			slices.Sort(wantDomains)
			slices.Sort(wantIDs)
			slices.SortFunc(wantIPs, func(a, b string) int { return cmpAddr(a, b) })
			if got := exportLines(get("domain")); !slices.Equal(got, wantDomains) {
				t.Errorf("domain list %q, want %q", got, wantDomains)
			}
			if got := exportLines(get("ip")); !slices.Equal(got, wantIPs) {
				t.Errorf("ip list %q, want %q", got, wantIPs)
			}
			rows, err := csv.NewReader(strings.NewReader(get("csv"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var csvIDs []string
			for _, r := range rows[1:] {
				csvIDs = append(csvIDs, r[0])
			}
			if got := slices.Compact(csvIDs); !slices.Equal(got, wantIDs) {
				t.Errorf("csv ids %q, want %q", got, wantIDs)
			}
			var bundle struct{ Objects []struct{ ID string } }
			if err := json.Unmarshal([]byte(get("stix")), &bundle); err != nil {
				t.Fatal(err)
			}
			var stixIDs []string
			for _, o := range bundle.Objects {
				stixIDs = append(stixIDs, o.ID)
			}
			if !slices.Equal(stixIDs, wantIDs) {
				t.Errorf("stix ids %q, want %q", stixIDs, wantIDs)
			}
			rpz, rules := get("rpz"), get("suricata")
			for _, o := range visible {
				if !strings.Contains(rpz, "\n"+o.domain+" CNAME .\n") || !strings.Contains(rules, o.id) {
					t.Errorf("rpz or suricata lack visible %s", o.domain)
				}
			}
			for _, o := range hidden {
				for name, body := range map[string]string{"rpz": rpz, "suricata": rules} {
					if strings.Contains(body, o.domain) || strings.Contains(body, o.id) || strings.Contains(body, reverseIP(o.ip)) {
						t.Errorf("%s holds hidden %s (%v)", name, o.domain, o.marking)
					}
				}
			}
		})
	}
	if len(slices.Compact(slices.Sorted(func(yield func(string) bool) {
		for _, v := range tags {
			if !yield(v) {
				return
			}
		}
	}))) < 5 {
		t.Fatalf("degenerate matrix: tags %v", tags)
	}

	// A version only A's members may see.
	w.submit(p.URL, A, w.sign(A, w.indicatorJSON(A, "[domain-name:value = 'red-for-a.matrix.example']", marking(stix.TLPRedID)), A))
	secret := &auth.Marking{TLP: auth.TLPRed, Recipients: []string{A}, CreatedBy: A}
	for _, c := range callers {
		got := getExport(t, p.URL+"/v1/exports/domain", c.authz, tags[c.name])
		switch sees := auth.Visible(c.principal, *secret); {
		case sees && (got.status != 200 || !strings.Contains(got.body, "red-for-a.matrix.example\n")):
			t.Errorf("%s: %d after a version it may see", c.name, got.status)
		case !sees && got.status != 304:
			t.Errorf("%s: %d after a version it may not see, want 304", c.name, got.status)
		}
	}
}

// cmpAddr orders dotted IPv4 addresses numerically.
func cmpAddr(a, b string) int {
	var x, y [4]int
	fmt.Sscanf(a, "%d.%d.%d.%d", &x[0], &x[1], &x[2], &x[3])
	fmt.Sscanf(b, "%d.%d.%d.%d", &y[0], &y[1], &y[2], &y[3])
	return slices.Compare(x[:], y[:])
}

// reverseIP is the rpz-ip owner of a single IPv4 address.
func reverseIP(ip string) string {
	p := strings.Split(ip, ".")
	return "32." + p[3] + "." + p[2] + "." + p[1] + "." + p[0] + ".rpz-ip"
}
