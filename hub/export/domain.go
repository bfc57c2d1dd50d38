package export

import (
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// MaxIDNs bounds the internationalised domain names one export holds in
// memory (about 40 bytes each) to merge them into the sorted stream;
// further ones are skipped and counted.
const MaxIDNs = 1 << 18

// alabels converts a name to its IDNA A-label form (UTS #46 lookup
// mapping, nontransitional, Bidi rule, DNS lengths) without the strict
// host-name rule: underscores are common in real DNS and in indicators.
var alabels = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.BidiRule(),
	idna.StrictDomainName(false), idna.VerifyDNSLength(true))

// ALabel returns the A-label form of a domain as indexed (lower-case,
// no trailing dot, possibly with U-labels), or false when it is no valid
// IDNA name.
func ALabel(name string) (string, bool) {
	a, err := alabels.ToASCII(name)
	if err != nil || a == "" || strings.HasSuffix(a, ".") {
		return "", false
	}
	return a, true
}

// domainMerger turns the domain stream of NeedValues (non-ASCII names
// first, then ASCII names in byte order) into a sorted, duplicate-free
// stream of A-labels. ASCII names are already A-labels and pass through
// at once; the A-labels of the non-ASCII names, which sort anywhere among
// them, are held (at most MaxIDNs) and merged in.
type domainMerger struct {
	emit    func(string) error
	held    []string // A-labels of IDNs; sorted once the ASCII part starts
	sorted  bool
	next    int // first held name not yet emitted
	last    string
	skipped int // invalid names, and IDNs over MaxIDNs
}

func newDomainMerger(emit func(string) error) *domainMerger {
	return &domainMerger{emit: emit}
}

func (m *domainMerger) add(name string) error {
	a, ok := ALabel(name)
	if !ok {
		m.skipped++
		return nil
	}
	if a != name { // an IDN, or a name IDNA maps (never an indexed ASCII name)
		if m.sorted || len(m.held) >= MaxIDNs {
			m.skipped++
			return nil
		}
		m.held = append(m.held, a)
		return nil
	}
	if !m.sorted {
		m.sortHeld()
	}
	for m.next < len(m.held) && m.held[m.next] < a {
		if err := m.out(m.held[m.next]); err != nil {
			return err
		}
		m.next++
	}
	return m.out(a)
}

func (m *domainMerger) sortHeld() {
	slices.Sort(m.held)
	m.held = slices.Compact(m.held)
	m.sorted = true
}

func (m *domainMerger) out(a string) error {
	if a == m.last {
		return nil
	}
	m.last = a
	return m.emit(a)
}

// flush emits the held names that sort after every ASCII name.
func (m *domainMerger) flush() error {
	if !m.sorted {
		m.sortHeld()
	}
	for ; m.next < len(m.held); m.next++ {
		if err := m.out(m.held[m.next]); err != nil {
			return err
		}
	}
	m.held = nil
	return nil
}
