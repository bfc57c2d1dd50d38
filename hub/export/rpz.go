package export

import (
	"bufio"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// RPZ zone parameters. Owner names are relative, so the file loads under
// whatever zone name the resolver's configuration gives it.
const (
	rpzTTL = 300
	// rpzMaxName bounds a policy name (without the zone's own name): a
	// wildcard "*.<name>" plus up to 63 bytes of zone name must stay
	// within the 253 bytes of a DNS name, or the whole zone fails to
	// load. Longer names are skipped and counted.
	rpzMaxName = 253 - 63 - len("*.")
)

// Minimum prefix lengths of the networks the enforcement formats (ip,
// rpz, suricata) export: a single indicator must not black-hole a whole
// address family. Broader networks are skipped (csv and stix keep them).
const (
	MinPrefix4 = 8
	MinPrefix6 = 16
)

// rpzWriter writes a Response Policy Zone as BIND, Knot, PowerDNS and
// Unbound load it: SOA and NS, then one "CNAME ." (NXDOMAIN) rule per
// address or network ("rpz-ip" trigger) and per domain plus its "*."
// wildcard (QNAME trigger).
type rpzWriter struct {
	w        *bufio.Writer
	domains  *domainMerger
	lastIP   string
	rules    int
	skipped  int
	wroteHdr bool
	meta     Meta
	err      error
}

func newRPZWriter(w *bufio.Writer, m Meta) *rpzWriter {
	z := &rpzWriter{w: w, meta: m}
	z.domains = newDomainMerger(z.name)
	return z
}

func (z *rpzWriter) header() {
	if z.wroteHdr {
		return
	}
	z.wroteHdr = true
	fmt.Fprintf(z.w, "; JAG response policy zone (RPZ): every indicator the reader may see, valid and not revoked.\n")
	fmt.Fprintf(z.w, "; Owner names are relative: load it under any zone name (response-policy { zone \"...\"; }).\n")
	fmt.Fprintf(z.w, "$TTL %d\n", rpzTTL)
	fmt.Fprintf(z.w, "@ SOA localhost. hostmaster.localhost. %d 3600 600 604800 %d\n", z.meta.Serial, rpzTTL)
	fmt.Fprintf(z.w, "@ NS localhost.\n")
}

func (z *rpzWriter) Write(r *Record) error {
	z.header()
	switch r.Kind {
	case "ipv4", "ipv6":
		if r.Value == z.lastIP {
			return nil
		}
		z.lastIP = r.Value
		owner, ok := RPZIP(r.Value)
		if !ok {
			z.skipped++
			return nil
		}
		return z.rule(owner)
	case "domain":
		return z.domains.add(r.Value)
	}
	return nil
}

// name writes the QNAME rules of one A-label name.
func (z *rpzWriter) name(a string) error {
	last := a[strings.LastIndexByte(a, '.')+1:]
	if len(a) > rpzMaxName || strings.HasPrefix(last, "rpz-") {
		// too long to load, or a name in the RPZ trigger namespaces
		// (rpz-ip, rpz-nsip, rpz-nsdname, rpz-client-ip): it would be
		// read as another kind of rule
		z.skipped++
		return nil
	}
	if err := z.rule(a); err != nil {
		return err
	}
	return z.rule("*." + a)
}

func (z *rpzWriter) rule(owner string) error {
	z.rules++
	if _, err := z.w.WriteString(owner + " CNAME .\n"); err != nil {
		z.err = err
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func (z *rpzWriter) Close() error {
	z.header()
	if err := z.domains.flush(); err != nil {
		return err
	}
	fmt.Fprintf(z.w, "; %d rules; %d values skipped (invalid, too long, or too broad a network)\n", z.rules, z.skipped+z.domains.skipped)
	if err := z.w.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

// RPZIP returns the owner name (relative to the zone) of the rpz-ip
// trigger for an address or network as indexed: the prefix length, then
// the address's octets (IPv4) or 16-bit words in hex (IPv6) in reverse
// order, the longest run of two or more zero words written "zz" as BIND
// writes it (2001:db8::1 → 128.1.zz.db8.2001.rpz-ip). false for what is
// not an address or network, or a network broader than MinPrefix4 or
// MinPrefix6.
func RPZIP(value string) (string, bool) {
	p, ok := prefixOf(value)
	if !ok {
		return "", false
	}
	var labels []string
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		for i := 3; i >= 0; i-- {
			labels = append(labels, strconv.Itoa(int(b[i])))
		}
	} else {
		b := a.As16()
		var words [8]uint16
		for i := range words {
			words[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		start, n := longestZeroRun(words)
		for i := 7; i >= 0; i-- {
			switch {
			case n >= 2 && i == start+n-1:
				labels = append(labels, "zz")
			case n >= 2 && i >= start && i < start+n:
			default:
				labels = append(labels, strconv.FormatUint(uint64(words[i]), 16))
			}
		}
	}
	return strconv.Itoa(p.Bits()) + "." + strings.Join(labels, ".") + ".rpz-ip", true
}

// longestZeroRun finds the first longest run of zero words (RFC 5952).
func longestZeroRun(w [8]uint16) (start, n int) {
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > n {
			start, n = i, j-i
		}
		i = j
	}
	return start, n
}

// prefixOf parses an indexed address or network (a bare address is its
// full-length prefix), masked, refusing networks broader than the
// minimum prefix lengths.
func prefixOf(value string) (netip.Prefix, bool) {
	var p netip.Prefix
	if strings.IndexByte(value, '/') >= 0 {
		var err error
		if p, err = netip.ParsePrefix(value); err != nil {
			return p, false
		}
	} else {
		a, err := netip.ParseAddr(value)
		if err != nil || a.Zone() != "" {
			return p, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	p = p.Masked()
	if p.Addr().Is4() && p.Bits() < MinPrefix4 || !p.Addr().Is4() && p.Bits() < MinPrefix6 {
		return p, false
	}
	return p, true
}
