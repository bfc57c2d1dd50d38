package feeds

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"

	"github.com/jag-hub/jag/stix/pattern"
)

// The watch index's storage. Terms, registrations, parent-domain links
// and trie nodes live in slices of plain structs and name each other by
// position (uint32, 0 meaning none); values are bytes in one text arena;
// the hash maps go from 64-bit keys to positions. Nothing in it is a
// pointer but the few slice headers and the watchers, so the garbage
// collector has nothing to trace in an index of millions of entries, and
// an entry costs tens of bytes, not hundreds. Freed positions are reused
// (free lists chained through the freed elements); the text arena is
// compacted once more than half of it is garbage.

// term is one distinct watched value and, through subs, the watchers that
// watch it.
type term struct {
	text  uint64 // offset of the value (uvarint length, bytes) in the text arena; the node of a network
	next  uint32 // next term of the same hash key; the next free term when free
	sub   uint32 // first registration (subs)
	links uint32 // first of the term's np links to its parent domains
	kind  uint8  // position in kinds; 0 when free
	np    uint8  // parent domains (pattern.ParentDomains), domains only
	net   bool   // an address or network: it lives in a trie (addresses are hashed too)
}

// sub is a registration: watcher watches the term whose list it is on.
type sub struct{ watcher, next uint32 }

// link puts a domain term on the list of one of its parent domains: a
// doubly-linked list whose head the parents map holds, so a term leaves a
// list of any length in constant time. A term's links are consecutive,
// nearest parent first.
type link struct{ term, prev, next uint32 }

// kindCode returns the code of an observable kind, adding it when add is
// set (under the write lock); 0 when unknown.
func (x *watchIndex) kindCode(kind string, add bool) uint8 {
	if c, ok := x.kindIDs[kind]; ok || !add {
		return c
	}
	x.kinds = append(x.kinds, kind)
	c := uint8(len(x.kinds) - 1)
	x.kindIDs[kind] = c
	return c
}

// exactKey is the hash key of a value of kind code.
func (x *watchIndex) exactKey(code uint8, value string) uint64 {
	return (maphash.String(x.seed, value) ^ uint64(code)*0x9e3779b97f4a7c15) & x.hashMask
}

// exactKeyBytes is exactKey of a value's bytes.
func (x *watchIndex) exactKeyBytes(code uint8, value []byte) uint64 {
	return (maphash.Bytes(x.seed, value) ^ uint64(code)*0x9e3779b97f4a7c15) & x.hashMask
}

// parentKey is the hash key of a parent domain.
func (x *watchIndex) parentKey(p string) uint64 { return maphash.String(x.seed, p) & x.hashMask }

// parentKeyBytes is parentKey of a parent domain's bytes.
func (x *watchIndex) parentKeyBytes(p []byte) uint64 { return maphash.Bytes(x.seed, p) & x.hashMask }

// value returns the bytes of a hashed term's value (valid until the next
// change of the index).
func (x *watchIndex) value(t *term) []byte {
	n, k := binary.Uvarint(x.text[t.text:])
	start := t.text + uint64(k)
	return x.text[start : start+n]
}

// textLen is the bytes a term's value takes in the arena.
func (x *watchIndex) textLen(t *term) int64 {
	n, k := binary.Uvarint(x.text[t.text:])
	return int64(n) + int64(k)
}

// addrKey is the hash key of a full-length address of kind code.
func (x *watchIndex) addrKey(code uint8, k netKey) uint64 {
	return (maphash.Comparable(x.seed, [2]uint64{k.hi, k.lo}) ^ uint64(code)*0x9e3779b97f4a7c15) & x.hashMask
}

// findAddr returns the term of the full-length address k of kind code, or 0.
func (x *watchIndex) findAddr(code uint8, k netKey) uint32 {
	for id := x.exact[x.addrKey(code, k)]; id != 0; id = x.terms[id].next {
		if t := &x.terms[id]; t.net && t.kind == code && x.nodes[t.text].key() == k {
			return id
		}
	}
	return 0
}

// unhash removes term id from the chain of hash key h.
func (x *watchIndex) unhash(h uint64, id uint32) {
	next := x.terms[id].next
	if x.exact[h] == id {
		if next == 0 {
			delete(x.exact, h)
		} else {
			x.exact[h] = next
		}
		return
	}
	p := x.exact[h]
	for x.terms[p].next != id {
		p = x.terms[p].next
	}
	x.terms[p].next = next
}

// termValue is a term's value as a string of its own: the normalised
// value of a hashed term, the address or CIDR of a network (as Classify
// writes them).
func (x *watchIndex) termValue(id uint32) string {
	t := &x.terms[id]
	if !t.net {
		return string(x.value(t))
	}
	p := x.nodes[t.text].key().prefix(x.kinds[t.kind] == "ipv4")
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

func (x *watchIndex) newTerm(code uint8, net bool) uint32 {
	t := term{kind: code, net: net}
	x.liveTerms++
	if id := x.freeTerm; id != 0 {
		x.freeTerm = x.terms[id].next
		x.terms[id] = t
		return id
	}
	x.terms = append(x.terms, t)
	return uint32(len(x.terms) - 1)
}

func (x *watchIndex) dropTerm(id uint32) {
	x.terms[id] = term{next: x.freeTerm}
	x.freeTerm = id
	x.liveTerms--
}

// findHashed returns the term of value of kind code, or 0.
func (x *watchIndex) findHashed(h uint64, code uint8, value string) uint32 {
	for id := x.exact[h]; id != 0; id = x.terms[id].next {
		if t := &x.terms[id]; t.kind == code && string(x.value(t)) == value {
			return id
		}
	}
	return 0
}

// addHashed adds the term of a value found by hash h (a domain also joins
// the lists of its parent domains) and returns it.
func (x *watchIndex) addHashed(h uint64, code uint8, value string) uint32 {
	id := x.newTerm(code, false)
	off := uint64(len(x.text))
	x.text = binary.AppendUvarint(x.text, uint64(len(value)))
	x.text = append(x.text, value...)
	t := &x.terms[id]
	t.text = off
	t.next, x.exact[h] = x.exact[h], id
	if x.kinds[code] != "domain" {
		return id
	}
	parents := pattern.ParentDomains(value)
	if len(parents) == 0 {
		return id
	}
	first := x.newLinks(len(parents))
	t.links, t.np = first, uint8(len(parents))
	for j, p := range parents {
		l := first + uint32(j)
		ph := x.parentKey(p)
		head := x.parents[ph]
		x.links[l] = link{term: id, next: head}
		if head != 0 {
			x.links[head].prev = l
		}
		x.parents[ph] = l
	}
	return id
}

// dropHashed removes a hashed term nobody watches any more.
func (x *watchIndex) dropHashed(id uint32) {
	t := &x.terms[id]
	v := x.value(t)
	x.unhash(x.exactKeyBytes(t.kind, v), id)
	for j := range uint32(t.np) {
		l := x.links[t.links+j]
		switch {
		case l.prev != 0:
			x.links[l.prev].next = l.next
		case l.next == 0:
			delete(x.parents, x.parentKeyBytes(parentAt(v, int(j))))
		default:
			x.parents[x.parentKeyBytes(parentAt(v, int(j)))] = l.next
		}
		if l.next != 0 {
			x.links[l.next].prev = l.prev
		}
	}
	if t.np > 0 {
		x.dropLinks(t.links, int(t.np))
	}
	x.garbage += x.textLen(t)
	x.dropTerm(id)
}

// parentAt is the j-th of pattern.ParentDomains(d), nearest first.
func parentAt(d []byte, j int) []byte {
	for range j + 1 {
		d = d[bytes.IndexByte(d, '.')+1:]
	}
	return d
}

// newLinks returns the first of n consecutive free links. Runs of each
// length are reused by terms with as many parents.
func (x *watchIndex) newLinks(n int) uint32 {
	x.liveLinks += n
	if first := x.freeLinks[n]; first != 0 {
		x.freeLinks[n] = x.links[first].next
		return first
	}
	first := uint32(len(x.links))
	x.links = append(x.links, make([]link, n)...)
	return first
}

func (x *watchIndex) dropLinks(first uint32, n int) {
	clear(x.links[first : first+uint32(n)])
	x.links[first].next = x.freeLinks[n]
	x.freeLinks[n] = first
	x.liveLinks -= n
}

func (x *watchIndex) newSub(watcher, next uint32) uint32 {
	x.liveSubs++
	s := sub{watcher: watcher, next: next}
	if id := x.freeSub; id != 0 {
		x.freeSub = x.subs[id].next
		x.subs[id] = s
		return id
	}
	x.subs = append(x.subs, s)
	return uint32(len(x.subs) - 1)
}

// unsubscribe removes watcher w from term id's registrations.
func (x *watchIndex) unsubscribe(id, w uint32) {
	t := &x.terms[id]
	prev := uint32(0)
	for s := t.sub; s != 0; prev, s = s, x.subs[s].next {
		if x.subs[s].watcher != w {
			continue
		}
		if prev == 0 {
			t.sub = x.subs[s].next
		} else {
			x.subs[prev].next = x.subs[s].next
		}
		x.subs[s] = sub{next: x.freeSub}
		x.freeSub = s
		x.liveSubs--
		return
	}
}

// compactText rewrites the text arena without its garbage once that is
// more than half of it (and at least textSlack), so the arena stays
// within about twice the live text.
func (x *watchIndex) compactText() {
	if x.garbage < x.textSlack || 2*x.garbage < int64(len(x.text)) {
		return
	}
	out := make([]byte, 0, int64(len(x.text))-x.garbage)
	for id := range x.terms {
		t := &x.terms[id]
		if t.kind == 0 || t.net {
			continue
		}
		off := uint64(len(out))
		out = append(out, x.text[t.text:t.text+uint64(x.textLen(t))]...)
		t.text = off
	}
	x.text, x.garbage = out, 0
}
