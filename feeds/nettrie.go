package feeds

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
)

// family is the trie of an address: 0 for IPv4, 1 for IPv6.
func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// netKey is a masked network as the trie compares it: the address as 128
// bits (an IPv4 address in the top 32) and the prefix length. Each
// address family has its own trie, so the two never meet.
type netKey struct {
	hi, lo uint64
	bits   int
}

// keyOf is the key of a masked prefix.
func keyOf(p netip.Prefix) netKey {
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		return netKey{hi: uint64(binary.BigEndian.Uint32(b[:])) << 32, bits: p.Bits()}
	}
	b := a.As16()
	return netKey{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:]), bits: p.Bits()}
}

// prefix is the network of k in family v4 (IPv4) or IPv6.
func (k netKey) prefix(v4 bool) netip.Prefix {
	if v4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(k.hi>>32))
		return netip.PrefixFrom(netip.AddrFrom4(b), k.bits)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.PrefixFrom(netip.AddrFrom16(b), k.bits)
}

// bit returns bit i (0 = most significant) of k's address.
func (k netKey) bit(i int) int {
	if i < 64 {
		return int(k.hi>>(63-i)) & 1
	}
	return int(k.lo>>(127-i)) & 1
}

// masked is k cut to its first n bits.
func (k netKey) masked(n int) netKey {
	if n < 64 {
		return netKey{hi: k.hi & (^uint64(0) << (64 - n)), bits: n}
	}
	return netKey{hi: k.hi, lo: k.lo & (^uint64(0) << (128 - n)), bits: n}
}

// common is the length of the longest prefix a and b share, at most the
// shorter of the two.
func common(a, b netKey) int {
	n := bits.LeadingZeros64(a.hi ^ b.hi)
	if n == 64 {
		n += bits.LeadingZeros64(a.lo ^ b.lo)
	}
	return min(n, a.bits, b.bits)
}

// contains reports whether network k contains network q (or is q).
func (k netKey) contains(q netKey) bool { return k.bits <= q.bits && common(k, q) == k.bits }

// netNode is a node of a path-compressed binary trie of networks, kept in
// the index's nodes slice and named by its position there (0: none), so
// the trie holds no pointer for the garbage collector to follow. Every
// node's network is masked; a child's network lies strictly inside its
// parent's and child[b] has bit b at the parent's prefix length. A node
// without a term is a branch point and always has two children, so a trie
// of n networks has fewer than 2n nodes whatever the addresses. A node
// keeps its position for as long as it exists: a network's term names its
// node.
type netNode struct {
	hi, lo uint64
	child  [2]uint32
	term   uint32 // 0 for a branch point; the next free node when free
	bits   uint8
}

func (n *netNode) key() netKey { return netKey{hi: n.hi, lo: n.lo, bits: int(n.bits)} }

// newNode returns a node for network k carrying term t (0: a branch).
func (x *watchIndex) newNode(k netKey, t uint32) uint32 {
	n := netNode{hi: k.hi, lo: k.lo, bits: uint8(k.bits), term: t}
	x.liveNodes++
	if id := x.freeNode; id != 0 {
		x.freeNode = x.nodes[id].term
		x.nodes[id] = n
		return id
	}
	x.nodes = append(x.nodes, n)
	return uint32(len(x.nodes) - 1)
}

func (x *watchIndex) dropNode(id uint32) {
	x.nodes[id] = netNode{term: x.freeNode}
	x.freeNode = id
	x.liveNodes--
}

// netInsert puts term t at network k in the trie rooted at *root and
// returns the node that carries it.
func (x *watchIndex) netInsert(root *uint32, k netKey, t uint32) uint32 {
	// An insertion adds at most two nodes: with room for them, appending
	// never moves the array, and the slot pointers into it stay valid.
	x.nodes = slices.Grow(x.nodes, 2)
	slot := root
	for {
		cur := *slot
		if cur == 0 {
			*slot = x.newNode(k, t)
			return *slot
		}
		c := &x.nodes[cur]
		ck := c.key()
		switch {
		case ck == k:
			c.term = t
			return cur
		case ck.bits < k.bits && ck.contains(k):
			slot = &c.child[k.bit(ck.bits)]
			continue
		}
		cb := common(ck, k)
		if cb == k.bits { // k contains cur
			n := x.newNode(k, t)
			x.nodes[n].child[ck.bit(cb)] = cur
			*slot = n
			return n
		}
		branch := x.newNode(k.masked(cb), 0)
		leaf := x.newNode(k, t)
		x.nodes[branch].child[k.bit(cb)] = leaf
		x.nodes[branch].child[ck.bit(cb)] = cur
		*slot = branch
		return leaf
	}
}

// netFind returns the node of network k that carries a term, or 0.
func (x *watchIndex) netFind(n uint32, k netKey) uint32 {
	for n != 0 {
		c := &x.nodes[n]
		ck := c.key()
		switch {
		case ck == k:
			if c.term == 0 {
				return 0
			}
			return n
		case ck.bits < k.bits && ck.contains(k):
			n = c.child[k.bit(ck.bits)]
		default:
			return 0
		}
	}
	return 0
}

// netDelete removes network k from the trie rooted at *root, splicing out
// the nodes that no longer carry a term or a branch.
func (x *watchIndex) netDelete(root *uint32, k netKey) {
	var parent *uint32
	slot := root
	for {
		cur := *slot
		if cur == 0 {
			return
		}
		ck := x.nodes[cur].key()
		if ck == k {
			break
		}
		if !(ck.bits < k.bits && ck.contains(k)) {
			return
		}
		parent, slot = slot, &x.nodes[cur].child[k.bit(ck.bits)]
	}
	cur := *slot
	c := &x.nodes[cur]
	c.term = 0
	switch {
	case c.child[0] != 0 && c.child[1] != 0:
		return // stays as a branch point
	case c.child[0] != 0:
		*slot = c.child[0]
	case c.child[1] != 0:
		*slot = c.child[1]
	default:
		*slot = 0
		if parent != nil && x.nodes[*parent].term == 0 {
			// a branch point left with one child is no longer needed
			par := *parent
			if ch := x.nodes[par].child; ch[0] != 0 {
				*parent = ch[0]
			} else {
				*parent = ch[1]
			}
			x.dropNode(par)
		}
	}
	x.dropNode(cur)
}

// netSearch calls visit with every node carrying a term whose network
// overlaps k: the networks containing k, k itself, and every network
// inside k. It walks one path of the trie, then the subtree under k.
func (x *watchIndex) netSearch(n uint32, k netKey, visit func(node uint32)) {
	for n != 0 {
		c := &x.nodes[n]
		ck := c.key()
		switch {
		case ck.contains(k):
			if c.term != 0 {
				visit(n)
			}
			if ck.bits == k.bits {
				x.netSubtree(c.child[0], visit)
				x.netSubtree(c.child[1], visit)
				return
			}
			n = c.child[k.bit(ck.bits)]
		case k.contains(ck): // n lies inside k
			x.netSubtree(n, visit)
			return
		default:
			return
		}
	}
}

// netSubtree visits every node with a term under n, n included.
func (x *watchIndex) netSubtree(n uint32, visit func(node uint32)) {
	for n != 0 {
		c := &x.nodes[n]
		if c.term != 0 {
			visit(n)
		}
		x.netSubtree(c.child[0], visit)
		n = c.child[1]
	}
}

// addNet returns the term of network (or address) p of kind code, added
// when new: an address joins its family's trie of addresses and the hash
// map, a network the trie of networks.
func (x *watchIndex) addNet(code uint8, p netip.Prefix) uint32 {
	k := keyOf(p)
	fam := family(p.Addr())
	if p.IsSingleIP() {
		if id := x.findAddr(code, k); id != 0 {
			return id
		}
		id := x.newTerm(code, true)
		x.terms[id].text = uint64(x.netInsert(&x.roots[fam][1], k, id))
		h := x.addrKey(code, k)
		x.terms[id].next, x.exact[h] = x.exact[h], id
		return id
	}
	if n := x.netFind(x.roots[fam][0], k); n != 0 {
		return x.nodes[n].term
	}
	id := x.newTerm(code, true)
	x.terms[id].text = uint64(x.netInsert(&x.roots[fam][0], k, id))
	return id
}

// dropNet removes the term of a network nobody watches any more.
func (x *watchIndex) dropNet(id uint32) {
	t := &x.terms[id]
	k := x.nodes[t.text].key()
	fam := 1
	if x.kinds[t.kind] == "ipv4" {
		fam = 0
	}
	if k.bits == 32 && fam == 0 || k.bits == 128 {
		x.unhash(x.addrKey(t.kind, k), id)
		x.netDelete(&x.roots[fam][1], k)
	} else {
		x.netDelete(&x.roots[fam][0], k)
	}
	x.dropTerm(id)
}
