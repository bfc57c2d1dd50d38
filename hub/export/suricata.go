package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jag-hub/jag/stix/pattern"
)

// Suricata sid ranges. A rule's sid is stable across exports and
// versions: SuricataSIDBase + SHA-256(indicator id, rule key) mod
// SuricataSIDSpan, where the rule key names what the rule matches ("ip",
// "ip-src", "ip-dst", "dns", "tls", "http", "url <URL>"). The three file
// hash rules per protocol have fixed sids from SuricataListSIDBase on.
const (
	SuricataSIDBase     = 1_000_000_000
	SuricataSIDSpan     = 1_000_000_000
	SuricataListSIDBase = 999_999_000
)

// SuricataHashLists names the companion hash list files the file-hash
// rules read (filemd5, filesha1, filesha256 take a file name relative to
// the rules directory): each is the md5, sha1 or sha256 export with the
// same filters.
var SuricataHashLists = map[string]string{"md5": "jag-md5.list", "sha1": "jag-sha1.list", "sha256": "jag-sha256.list"}

// suricataFileProtocols are the protocols Suricata extracts files from.
var suricataFileProtocols = []string{"http", "smtp", "ftp-data", "smb", "nfs"}

// SuricataSID returns the sid of an indicator's rule.
func SuricataSID(id, key string) uint32 {
	h := sha256.Sum256([]byte(id + "\x00" + key))
	return SuricataSIDBase + binary.BigEndian.Uint32(h[:4])%SuricataSIDSpan
}

// suricataWriter writes one rule per protocol an indicator's pattern
// needs, for patterns Suricata can express exactly: observation and
// comparison expressions joined by OR only, without qualifiers, each a
// positive =, IN or ISSUBSET on an address or network, a domain, a URL or
// an MD5, SHA-1 or SHA-256 file hash. Anything else (AND, FOLLOWEDBY,
// negation, other properties) would make a rule fire on more than the
// pattern says, so the indicator is skipped and counted in the header.
// Rules are spooled to a temporary file so the header can state the
// counts before them.
type suricataWriter struct {
	out     *bufio.Writer
	meta    Meta
	spool   *os.File
	w       *bufio.Writer
	rules   int
	written int // indicators with rules
	skipped int
	hashes  map[string]int // kind → indicators naming one
	sids    []uint32       // every rule's sid, to find collisions (4 bytes a rule)
}

func newSuricataWriter(out *bufio.Writer, m Meta) (*suricataWriter, error) {
	f, err := os.CreateTemp(m.TempDir, "jag-suricata-*.rules")
	if err != nil {
		return nil, fmt.Errorf("spool suricata export: %w", err)
	}
	return &suricataWriter{out: out, meta: m, spool: f, w: bufio.NewWriterSize(f, 64<<10), hashes: map[string]int{}}, nil
}

// suricataRule is what one rule matches.
type suricataRule struct {
	key  string
	body string // header and match options, without msg/sid/rev
}

func (s *suricataWriter) Write(r *Record) error {
	rules, hashKinds, ok := suricataRules(r.Raw)
	if !ok {
		s.skipped++
		return nil
	}
	for _, k := range hashKinds {
		s.hashes[k]++
	}
	if len(rules) > 0 || len(hashKinds) > 0 {
		s.written++
	}
	rev := int64(1)
	if t, err := time.Parse(time.RFC3339Nano, r.Modified); err == nil && t.Unix() > 0 {
		rev = t.Unix()
	}
	for _, rule := range rules {
		s.rules++
		sep := " "
		if strings.HasSuffix(rule.body, "(") {
			sep = ""
		}
		sid := SuricataSID(r.ID, rule.key)
		s.sids = append(s.sids, sid)
		_, err := fmt.Fprintf(s.w, "%s%smsg:\"JAG %s %s\"; metadata:jag_id %s; sid:%d; rev:%d;)\n",
			rule.body, sep, r.ID, strings.Fields(rule.key)[0], r.ID, sid, rev)
		if err != nil {
			return fmt.Errorf("spool suricata export: %w", err)
		}
	}
	return nil
}

// suricataRules returns the rules of an indicator (raw JSON), the hash
// kinds it names, and false when its pattern is not exactly expressible.
func suricataRules(raw []byte) ([]suricataRule, []string, bool) {
	var ind struct {
		Pattern     string `json:"pattern"`
		PatternType string `json:"pattern_type"`
	}
	if err := json.Unmarshal(raw, &ind); err != nil || ind.PatternType != "stix" {
		return nil, nil, false
	}
	p, err := pattern.Parse(ind.Pattern)
	if err != nil {
		return nil, nil, false
	}
	obs := p.Observables()
	if !orOnly(p.Root, obs) {
		return nil, nil, false
	}
	var ips [3][]string // any, src, dst
	var domains, urls, hashKinds []string
	for _, o := range obs {
		switch o.Kind {
		case "ipv4", "ipv6":
			if _, ok := prefixOf(o.Value); !ok {
				return nil, nil, false
			}
			dir := 0
			switch {
			case strings.Contains(o.Path, "src_ref"):
				dir = 1
			case strings.Contains(o.Path, "dst_ref"):
				dir = 2
			}
			ips[dir] = append(ips[dir], o.Value)
		case "domain":
			a, ok := ALabel(o.Value)
			if !ok {
				return nil, nil, false
			}
			domains = append(domains, a)
		case "url":
			urls = append(urls, o.Value)
		case "md5", "sha1", "sha256":
			if !slices.Contains(hashKinds, o.Kind) {
				hashKinds = append(hashKinds, o.Kind)
			}
		default:
			return nil, nil, false
		}
	}
	var rules []suricataRule
	for dir, list := range ips {
		if len(list) == 0 {
			continue
		}
		group := "[" + strings.Join(list, ",") + "]"
		switch dir {
		case 0:
			rules = append(rules, suricataRule{"ip", "alert ip " + group + " any <> any any ("})
		case 1:
			rules = append(rules, suricataRule{"ip-src", "alert ip " + group + " any -> any any ("})
		case 2:
			rules = append(rules, suricataRule{"ip-dst", "alert ip any any -> " + group + " any ("})
		}
	}
	if len(domains) > 0 {
		for _, proto := range []struct{ key, app, buffer, nocase string }{
			{"dns", "dns", "dns.query", " nocase;"},
			{"tls", "tls", "tls.sni", " nocase;"},
			{"http", "http", "http.host", ""}, // http.host is lower-cased by Suricata
		} {
			rules = append(rules, suricataRule{proto.key, "alert " + proto.app + " any any -> any any (" +
				proto.buffer + "; " + domainMatch(domains, proto.nocase)})
		}
	}
	for _, u := range urls {
		m, ok := urlMatch(u)
		if !ok {
			return nil, nil, false
		}
		rules = append(rules, suricataRule{"url " + u, "alert http any any -> any any (" + m})
	}
	return rules, hashKinds, true
}

// orOnly reports whether e joins observations and comparisons with OR
// only, has no qualifier, and every comparison produced an observable.
func orOnly(e pattern.Expr, obs []pattern.Observable) bool {
	switch e := e.(type) {
	case *pattern.BinaryExpr:
		return e.Op == pattern.Or && orOnly(e.X, obs) && orOnly(e.Y, obs)
	case *pattern.ObservationExpr:
		return orComparison(e.Cond, obs)
	}
	return false
}

func orComparison(c pattern.Comparison, obs []pattern.Observable) bool {
	switch c := c.(type) {
	case *pattern.BinaryComparison:
		return c.Op == pattern.Or && orComparison(c.X, obs) && orComparison(c.Y, obs)
	case *pattern.PropTest:
		if c.Not || c.Op != pattern.OpEqual && c.Op != pattern.OpIn && c.Op != pattern.OpIsSubset {
			return false
		}
		path, op := c.Path.String(), c.Op.String()
		n := 0
		for _, o := range obs {
			if o.Path == path && o.Op == op {
				n++
			}
		}
		want := 1
		if c.Op == pattern.OpIn {
			want = len(c.Set)
		}
		return n > 0 && n == want
	}
	return false
}

// domainMatch matches a name or any name under it: one name as a fast
// content match on the dot-prefixed buffer, several as one PCRE.
func domainMatch(names []string, nocase string) string {
	if len(names) == 1 {
		return "dotprefix; content:\"" + suricataContent("."+names[0]) + "\";" + nocase + " endswith;"
	}
	alts := make([]string, len(names))
	for i, n := range names {
		alts[i] = strings.ReplaceAll(n, ".", `\.`)
	}
	flags := ""
	if nocase != "" {
		flags = "i"
	}
	return `pcre:"/(?:^|\.)(?:` + strings.Join(alts, "|") + `)$/` + flags + `";`
}

// urlMatch matches an http request for the URL: its host exactly and
// its raw request target exactly. false for a URL no HTTP request line
// can carry.
func urlMatch(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", false
	}
	host, ok := ALabel(strings.ToLower(u.Hostname()))
	if !ok {
		if _, err := prefixOrAddr(u.Hostname()); err != nil {
			return "", false
		}
		host = strings.ToLower(u.Hostname())
	}
	target := u.EscapedPath()
	if target == "" {
		target = "/"
	}
	if u.RawQuery != "" || u.ForceQuery {
		target += "?" + u.RawQuery
	}
	return "http.host; content:\"" + suricataContent(host) + "\"; startswith; endswith; " +
		"http.uri.raw; content:\"" + suricataContent(target) + "\"; startswith; endswith;", true
}

func prefixOrAddr(h string) (string, error) {
	if _, ok := prefixOf(h); !ok {
		return "", fmt.Errorf("not an address")
	}
	return h, nil
}

// suricataContent escapes a content string: bytes outside printable
// ASCII and the rule syntax characters '"', ';', '\' and '|' as |hh|.
func suricataContent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == ';' || c == '\\' || c == '|' {
			fmt.Fprintf(&b, "|%02X|", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (s *suricataWriter) Close() (err error) {
	defer func() {
		s.spool.Close()
		if rerr := os.Remove(s.spool.Name()); err == nil && rerr != nil {
			err = fmt.Errorf("spool suricata export: %w", rerr)
		}
	}()
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spool suricata export: %w", err)
	}
	kinds := make([]string, 0, len(s.hashes))
	for k := range s.hashes {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	fmt.Fprintf(s.out, "# JAG Suricata rules: %d rules for %d indicators; %d indicators skipped\n", s.rules+len(kinds)*len(suricataFileProtocols), s.written, s.skipped)
	fmt.Fprintf(s.out, "# (skipped: patterns Suricata cannot express exactly: AND, FOLLOWEDBY, qualifiers, negation, other observable types).\n")
	if !s.meta.LastModified.IsZero() {
		fmt.Fprintf(s.out, "# Export as of %s.\n", s.meta.LastModified.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(s.out, "# sid = %d + SHA-256(indicator id, rule) mod %d, stable; rev = the version's modified time (Unix seconds).\n", SuricataSIDBase, SuricataSIDSpan)
	for _, k := range kinds {
		fmt.Fprintf(s.out, "# %d indicators name %s file hashes: save the %s export with the same filters as %s in the rules directory.\n",
			s.hashes[k], k, k, SuricataHashLists[k])
		for j, proto := range suricataFileProtocols {
			fmt.Fprintf(s.out, "alert %s any any -> any any (msg:\"JAG file %s list\"; file%s:%s; sid:%d; rev:1;)\n",
				proto, k, k, SuricataHashLists[k], SuricataListSIDBase+hashKindSlot(k)*10+j)
		}
	}
	if _, err := s.spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool suricata export: %w", err)
	}
	if err := s.copyRules(); err != nil {
		return err
	}
	if err := s.out.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

// hashKindSlot keeps the list rules' sids fixed whichever lists appear.
func hashKindSlot(k string) int {
	return map[string]int{"md5": 0, "sha1": 1, "sha256": 2}[k]
}

// copyRules copies the spooled rules to the output. When two rules drew
// the same sid (about n²/2·10⁹ for n rules), the first in indicator-id
// order keeps it and each later one gets the first free sid of
// SuricataSID(rule text, attempt): deterministic for the same export, and
// derived from visible rules only.
func (s *suricataWriter) copyRules() error {
	used := slices.Clone(s.sids)
	slices.Sort(used)
	dups := map[uint32]bool{}
	for i := 1; i < len(used); i++ {
		if used[i] == used[i-1] {
			dups[used[i]] = true
		}
	}
	if len(dups) == 0 {
		if _, err := io.Copy(s.out, s.spool); err != nil {
			return fmt.Errorf("write export: %w", err)
		}
		return nil
	}
	used = slices.Compact(used)
	taken := map[uint32]bool{} // collided sids already kept, and sids handed out
	r := bufio.NewReaderSize(s.spool, 64<<10)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			line = resolveSID(line, dups, taken, used)
			if _, werr := s.out.WriteString(line); werr != nil {
				return fmt.Errorf("write export: %w", werr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spool suricata export: %w", err)
		}
	}
}

// resolveSID gives a rule whose sid collided a free one (see copyRules).
func resolveSID(line string, dups, taken map[uint32]bool, used []uint32) string {
	i := strings.LastIndex(line, "; sid:")
	if i < 0 {
		return line
	}
	rest := line[i+len("; sid:"):]
	j := strings.IndexByte(rest, ';')
	if j < 0 {
		return line
	}
	n, err := strconv.ParseUint(rest[:j], 10, 32)
	sid := uint32(n)
	if err != nil || !dups[sid] {
		return line
	}
	if !taken[sid] {
		taken[sid] = true
		return line
	}
	for attempt := 1; ; attempt++ {
		c := SuricataSID(line, strconv.Itoa(attempt))
		if _, found := slices.BinarySearch(used, c); !found && !taken[c] {
			taken[c] = true
			return line[:i] + "; sid:" + strconv.FormatUint(uint64(c), 10) + rest[j:]
		}
	}
}
