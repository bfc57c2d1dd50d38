package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCSV(t *testing.T) {
	c := 85
	recs := []Record{
		{ID: "indicator--00000000-0000-4000-8000-000000000001", Modified: "2026-01-01T00:00:00.000Z", CreatedBy: "identity--00000000-0000-4000-8000-0000000000aa",
			TLP: "amber", Confidence: &c, ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Labels: []string{"apt;x", `q"uote`, "new\nline"},
			Kind: "domain", Value: "bücher.example"},
		{ID: "indicator--00000000-0000-4000-8000-000000000001", Modified: "2026-01-01T00:00:00.000Z", Kind: "url", Value: `http://e.example/a,b"c`,
			ValidUntil: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Revoked: true},
	}
	body := write(t, CSV, Meta{}, recs)
	if !strings.Contains(body, "\r\n") {
		t.Error("RFC 4180 wants CRLF line ends")
	}
	r := csv.NewReader(strings.NewReader(body))
	r.FieldsPerRecord = len(CSVHeader)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], CSVHeader) {
		t.Fatalf("rows %q", rows)
	}
	want := []string{"indicator--00000000-0000-4000-8000-000000000001", "2026-01-01T00:00:00.000Z", "domain", "xn--bcher-kva.example",
		"85", "amber", "identity--00000000-0000-4000-8000-0000000000aa", "2026-01-01T00:00:00Z", "", "apt;x;q\"uote;new\nline", "false"}
	if !slices.Equal(rows[1], want) {
		t.Errorf("row 1 = %q\nwant    %q", rows[1], want)
	}
	if rows[2][3] != `http://e.example/a,b"c` || rows[2][4] != "" || rows[2][8] != "2027-01-01T00:00:00Z" || rows[2][10] != "true" {
		t.Errorf("row 2 = %q", rows[2])
	}
}

func TestSTIXBundle(t *testing.T) {
	var recs []Record
	for _, f := range datasets {
		recs = append(recs, indicatorsOf(t, f)...)
	}
	tag := Tag(STIX, Filter{}, "org/member", 7, time.Time{})
	body := write(t, STIX, Meta{Tag: tag}, recs)
	var b struct {
		Type, ID string
		Objects  []json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	if b.Type != "bundle" || b.ID != BundleID(tag) || len(b.Objects) != len(recs) {
		t.Fatalf("bundle %s %s with %d objects, want %d", b.Type, b.ID, len(b.Objects), len(recs))
	}
	for i := range recs {
		if !bytes.Equal(b.Objects[i], recs[i].Raw) {
			t.Fatalf("object %d is not the original bytes", i)
		}
	}
	if again := write(t, STIX, Meta{Tag: tag}, recs); again != body {
		t.Error("the same export is not the same bytes")
	}
	empty := write(t, STIX, Meta{Tag: tag}, nil)
	if err := json.Unmarshal([]byte(empty), &b); err != nil || strings.Contains(empty, "objects") {
		t.Errorf("empty bundle %q: %v", empty, err)
	}
}

func indicator(id, modified, pattern string) Record {
	raw, _ := json.Marshal(map[string]string{"type": "indicator", "id": id, "modified": modified, "pattern": pattern, "pattern_type": "stix"})
	return Record{ID: id, Modified: modified, Raw: raw}
}

func TestSuricata(t *testing.T) {
	const (
		i1 = "indicator--00000000-0000-4000-8000-000000000001"
		i2 = "indicator--00000000-0000-4000-8000-000000000002"
		i3 = "indicator--00000000-0000-4000-8000-000000000003"
		i4 = "indicator--00000000-0000-4000-8000-000000000004"
		i5 = "indicator--00000000-0000-4000-8000-000000000005"
		i6 = "indicator--00000000-0000-4000-8000-000000000006"
		i7 = "indicator--00000000-0000-4000-8000-000000000007"
	)
	recs := []Record{
		indicator(i1, "2026-01-01T00:00:00.000Z", "[ipv4-addr:value = '198.51.100.7' OR ipv6-addr:value ISSUBSET '2001:db8::/32']"),
		indicator(i2, "2026-02-01T00:00:00.000Z", "[domain-name:value = 'Bücher.example']"),
		indicator(i3, "2026-01-01T00:00:00.000Z", "[url:value = 'http://evil.example/a;b?c=\"d\"'] OR [file:hashes.MD5 = '"+strings.Repeat("a", 32)+"']"),
		indicator(i4, "2026-01-01T00:00:00.000Z", "[domain-name:value = 'a.example' AND domain-name:value = 'b.example']"),
		indicator(i5, "2026-01-01T00:00:00.000Z", "[email-addr:value = 'x@example.org']"),
		indicator(i6, "2026-01-01T00:00:00.000Z", "[domain-name:value IN ('a.example', 'b.example')] REPEATS 2 TIMES"),
		indicator(i7, "2026-01-01T00:00:00.000Z", "[network-traffic:dst_ref.value = '203.0.113.9'] OR [domain-name:value IN ('a.example', 'b-c.example')]"),
	}
	body := write(t, Suricata, Meta{}, recs)
	if !strings.HasPrefix(body, "# JAG Suricata rules: 14 rules for 4 indicators; 3 indicators skipped\n") {
		t.Errorf("header: %s", body[:strings.IndexByte(body, '\n')])
	}
	want := []string{
		`alert ip [198.51.100.7,2001:db8::/32] any <> any any (msg:"JAG ` + i1 + ` ip"; metadata:jag_id ` + i1 + `; sid:` + sid(i1, "ip") + `; rev:1767225600;)`,
		`alert dns any any -> any any (dns.query; dotprefix; content:".xn--bcher-kva.example"; nocase; endswith; msg:"JAG ` + i2 + ` dns"; metadata:jag_id ` + i2 + `; sid:` + sid(i2, "dns") + `; rev:1769904000;)`,
		`alert http any any -> any any (http.host; dotprefix; content:".xn--bcher-kva.example"; endswith; msg:"JAG ` + i2 + ` http"`,
		`alert tls any any -> any any (tls.sni; dotprefix; content:".xn--bcher-kva.example"; nocase; endswith;`,
		`alert http any any -> any any (http.host; content:"evil.example"; startswith; endswith; http.uri.raw; content:"/a|3B|b?c=|22|d|22|"; startswith; endswith; msg:"JAG ` + i3 + ` url"`,
		`alert http any any -> any any (msg:"JAG file md5 list"; filemd5:jag-md5.list; sid:999999000; rev:1;)`,
		`alert ip any any -> [203.0.113.9] any (msg:"JAG ` + i7 + ` ip-dst"`,
		`alert dns any any -> any any (dns.query; pcre:"/(?:^|\.)(?:a\.example|b-c\.example)$/i"; msg:"JAG ` + i7 + ` dns"`,
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("rules lack\n%s\nin\n%s", w, body)
		}
	}
	for _, id := range []string{i4, i5, i6} {
		if strings.Contains(body, id) {
			t.Errorf("rules express %s, which Suricata cannot", id)
		}
	}
	sids := map[string]bool{}
	for _, l := range lines(t, body) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.HasSuffix(l, ";)") || strings.Count(l, "sid:") != 1 {
			t.Errorf("malformed rule %s", l)
		}
		s := l[strings.Index(l, "sid:"):]
		s = s[:strings.IndexByte(s, ';')]
		if sids[s] {
			t.Errorf("duplicate %s", s)
		}
		sids[s] = true
	}
	entries, _ := os.ReadDir(os.TempDir())
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "jag-suricata-") {
			t.Errorf("spool file left behind: %s", e.Name())
		}
	}
}

func sid(id, key string) string {
	s := SuricataSID(id, key)
	if s < SuricataSIDBase || s >= SuricataSIDBase+SuricataSIDSpan {
		panic("sid out of range")
	}
	return strconv.FormatUint(uint64(s), 10)
}

func TestFilterRoundTrip(t *testing.T) {
	q := "type=url&type=domain&type=url&label=b&label=a%20c&created_by=identity--00000000-0000-4000-8000-0000000000aa&min_confidence=50&tlp=AMBER&valid_at=2026-01-01T01:00:00%2B01:00&include_revoked=true"
	vals, _ := parseQuery(q)
	f, err := ParseFilter(vals)
	if err != nil {
		t.Fatal(err)
	}
	want := "type=domain&type=url&label=a+c&label=b&created_by=identity--00000000-0000-4000-8000-0000000000aa&min_confidence=50&tlp=amber&valid_at=2026-01-01T00%3A00%3A00Z&include_revoked=true"
	if f.Query() != want {
		t.Errorf("Query() = %s\nwant      %s", f.Query(), want)
	}
	vals, _ = parseQuery(f.Query())
	g, err := ParseFilter(vals)
	if err != nil || g.Query() != want {
		t.Errorf("round trip: %v %s", err, g.Query())
	}
	if k, ok := f.Kinds(Domain); !ok || !slices.Equal(k, []string{"domain"}) {
		t.Errorf("Kinds(domain) = %q %v", k, ok)
	}
	if _, ok := f.Kinds(IP); ok {
		t.Error("types url,domain intersect ip")
	}
	if got := f.TLPRanks(); !slices.Equal(got, []string{"clear", "green", "amber"}) {
		t.Errorf("TLPRanks = %q", got)
	}
	for _, bad := range []string{"min_confidence=101", "min_confidence=05", "tlp=purple", "valid_at=yesterday", "include_revoked=yes",
		"created_by=indicator--00000000-0000-4000-8000-000000000001", "type=IPv4", "label=", "colour=red", "tlp=red&tlp=clear",
		"label=" + strings.Repeat("x", 300)} {
		vals, _ := parseQuery(bad)
		if _, err := ParseFilter(vals); !errors.Is(err, ErrBadFilter) {
			t.Errorf("%s: %v, want ErrBadFilter", bad, err)
		}
	}
}

func TestTag(t *testing.T) {
	nb := time.Date(2026, 6, 1, 0, 0, 0, 123456000, time.UTC)
	base := Tag(IP, Filter{}, "identity--a/member", 10, nb)
	for name, other := range map[string]string{
		"format":   Tag(Domain, Filter{}, "identity--a/member", 10, nb),
		"filter":   Tag(IP, Filter{IncludeRevoked: true}, "identity--a/member", 10, nb),
		"viewer":   Tag(IP, Filter{}, "identity--a/client", 10, nb),
		"position": Tag(IP, Filter{}, "identity--a/member", 11, nb),
		"boundary": Tag(IP, Filter{}, "identity--a/member", 10, nb.Add(time.Microsecond)),
	} {
		if other == base {
			t.Errorf("%s does not change the tag", name)
		}
	}
	if Tag(IP, Filter{}, "identity--a/member", 10, nb) != base {
		t.Error("tag is not a function of its inputs")
	}
	cur := func(next time.Time) string { return Tag(IP, Filter{}, "identity--a/member", 10, next) }
	before, after := nb.Add(-time.Second), nb
	if !NotModified(base, before, cur) || !NotModified(`"x", W/`+base, before, cur) || !NotModified("*", before, cur) {
		t.Error("a current tag is not recognised")
	}
	if NotModified(base, after, cur) {
		t.Error("a tag is current after its boundary passed")
	}
	moved := func(next time.Time) string { return Tag(IP, Filter{}, "identity--a/member", 11, next) }
	if NotModified(base, before, moved) {
		t.Error("a tag is current after the position moved")
	}
	forged := base[:strings.IndexByte(base, '.')] + `.99999999999999999"`
	if NotModified(forged, before, cur) {
		t.Error("a tag with another boundary is accepted")
	}
}

// TestSuricataSIDCollision forces two rules onto one sid: the first keeps
// it, the second gets another, and every sid of the output is distinct.
func TestSuricataSIDCollision(t *testing.T) {
	a := "alert ip [192.0.2.1] any <> any any (msg:\"JAG x ip\"; metadata:jag_id x; sid:1000000001; rev:1;)\n"
	b := "alert ip [192.0.2.2] any <> any any (msg:\"JAG y ip\"; metadata:jag_id y; sid:1000000001; rev:1;)\n"
	dups, taken, used := map[uint32]bool{1000000001: true}, map[uint32]bool{}, []uint32{1000000001}
	if got := resolveSID(a, dups, taken, used); got != a {
		t.Errorf("the first rule changed: %s", got)
	}
	got := resolveSID(b, dups, taken, used)
	if got == b || !strings.HasPrefix(got, "alert ip [192.0.2.2] any <> any any (msg:") || !strings.HasSuffix(got, "; rev:1;)\n") || strings.Contains(got, "sid:1000000001;") {
		t.Errorf("the second rule: %s", got)
	}
	if again := resolveSID(b, dups, map[uint32]bool{1000000001: true}, used); again != got {
		t.Error("the resolution is not deterministic")
	}
}

// TestSuricataWriterResolvesCollisions finds two indicator ids whose ip
// rules draw the same sid and checks the writer's output keeps sids
// distinct.
func TestSuricataWriterResolvesCollisions(t *testing.T) {
	seen := map[uint32]string{}
	var first, second string
	for i := 0; first == ""; i++ {
		id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i)
		sid := SuricataSID(id, "ip")
		if other, ok := seen[sid]; ok {
			first, second = other, id
		}
		seen[sid] = id
	}
	body := write(t, Suricata, Meta{}, []Record{
		indicator(first, "2026-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']"),
		indicator(second, "2026-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.2']"),
	})
	sids := map[string]bool{}
	for _, l := range lines(t, body) {
		if i := strings.Index(l, "sid:"); i >= 0 && !strings.HasPrefix(l, "#") {
			sids[l[i:i+strings.IndexByte(l[i:], ';')]] = true
		}
	}
	if len(sids) != 2 || !strings.Contains(body, "sid:"+strconv.Itoa(int(SuricataSID(first, "ip")))+";") {
		t.Errorf("sids %v in\n%s", sids, body)
	}
}
