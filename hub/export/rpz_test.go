package export

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jag-hub/jag/stix/pattern"
)

func TestRPZIP(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"192.168.0.1", "32.1.0.168.192.rpz-ip"},
		{"10.0.0.0/8", "8.0.0.0.10.rpz-ip"},
		{"203.0.113.0/24", "24.0.113.0.203.rpz-ip"},
		{"2001:db8::1", "128.1.zz.db8.2001.rpz-ip"},
		{"2001:2:3::1", "128.1.zz.3.2.2001.rpz-ip"}, // the BIND ARM's example
		{"2001:db8::/32", "32.zz.db8.2001.rpz-ip"},
		{"1:0:0:1:0:0:0:1", "128.1.zz.1.0.0.1.rpz-ip"},   // the longer run
		{"1:0:0:1:0:0:1:1", "128.1.1.0.0.1.zz.1.rpz-ip"}, // the first of equal runs
		{"2001:db8:1:2:3:4:5:6", "128.6.5.4.3.2.1.db8.2001.rpz-ip"},
		{"2001:db8:0:1:2:3:4:5", "128.5.4.3.2.1.0.db8.2001.rpz-ip"}, // one zero word stays
		{"::1", "128.1.zz.rpz-ip"},
	} {
		got, ok := RPZIP(c.in)
		if !ok || got != c.want {
			t.Errorf("RPZIP(%s) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"0.0.0.0/0", "1.0.0.0/7", "::/0", "2000::/15", "example.com", "fe80::1%eth0"} {
		if got, ok := RPZIP(bad); ok {
			t.Errorf("RPZIP(%s) = %q, want refusal", bad, got)
		}
	}
}

// namedCheckzone returns the path of BIND's named-checkzone; without it
// the test fails under CI (.ci/run installs bind9-utils) and is skipped,
// loudly, elsewhere.
func namedCheckzone(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("named-checkzone")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("named-checkzone not found: install bind9-utils")
	}
	t.Skip("SKIPPED: named-checkzone not found (apt-get install bind9-utils); CI fails here")
	return ""
}

// TestRPZLoadsInBIND writes the rpz export of the real datasets plus
// addresses, networks, internationalised and hostile names, and loads it
// with BIND's named-checkzone under two zone names.
func TestRPZLoadsInBIND(t *testing.T) {
	checkzone := namedCheckzone(t)
	var obs []pattern.Observable
	for _, file := range datasets {
		obs = append(obs, observablesOf(t, indicatorsOf(t, file))...)
	}
	domains := 0
	for _, o := range obs {
		if o.Kind == "domain" {
			domains++
		}
	}
	obs = append(obs, synthetic()...)
	for _, v := range []string{"x.rpz-ip", "32.1.0.0.10.rpz-ip", "evil.rpz-nsdname", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)} {
		o, ok := pattern.Classify(v)
		if !ok {
			t.Fatalf("classify %s", v)
		}
		obs = append(obs, o)
	}
	v := Version{Position: 42, Received: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	body := write(t, RPZ, Meta{Serial: v.Serial()}, valueStream(obs, RPZ.Kinds()...))
	file := filepath.Join(t.TempDir(), "jag.zone")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, zone := range []string{"rpz.jag", "jag-rpz.example.org"} {
		out, err := exec.Command(checkzone, "-k", "fail", "-i", "local", zone, file).CombinedOutput()
		if err != nil {
			t.Fatalf("named-checkzone %s: %v\n%s", zone, err, out)
		}
		if !strings.Contains(string(out), "loaded serial 1795953600") || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
			t.Errorf("named-checkzone %s: %s", zone, out)
		}
	}
	for _, want := range []string{
		"\nevil.example CNAME .\n*.evil.example CNAME .\n",
		"\nxn--bcher-kva.example CNAME .\n",
		"\n32.7.100.51.198.rpz-ip CNAME .\n",
		"\n48.zz.1.db8.2001.rpz-ip CNAME .\n",
		"\n8.0.0.0.10.rpz-ip CNAME .\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("zone lacks %q", want)
		}
	}
	for _, bad := range []string{"x.rpz-ip CNAME", "\n32.1.0.0.10.rpz-ip CNAME", "evil.rpz-nsdname", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.ccc", "ccccccccccccc.ddd", "0.0.0.0.0.rpz-ip", "\n0.zz.rpz-ip", "\n8.zz.2000.rpz-ip", "\n7.0.2.0.192.rpz-ip"} {
		if strings.Contains(body, bad) {
			t.Errorf("zone holds %q", bad)
		}
	}
	if n := strings.Count(body, " CNAME .\n*."); n < domains/2 {
		t.Errorf("%d wildcard rules for %d dataset domains", n, domains)
	}
}

// TestRPZCheckzoneRefuses is the negative control of TestRPZLoadsInBIND:
// named-checkzone does fail a zone holding what the writer leaves out.
func TestRPZCheckzoneRefuses(t *testing.T) {
	checkzone := namedCheckzone(t)
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	zone := "$TTL 300\n@ SOA localhost. hostmaster.localhost. 1 3600 600 604800 300\n@ NS localhost.\n*." + long + " CNAME .\n"
	file := filepath.Join(t.TempDir(), "bad.zone")
	if err := os.WriteFile(file, []byte(zone), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(checkzone, "-k", "fail", "-i", "local", "jag-rpz.example.org", file).CombinedOutput(); err == nil {
		t.Fatalf("named-checkzone accepted a name over 255 bytes:\n%s", out)
	}
}
