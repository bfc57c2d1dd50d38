package feeds

import (
	"math/bits"
	"net/netip"
)

// netNode is a node of a path-compressed binary trie of networks (one
// trie per address family). Every node's prefix is masked; a child's
// prefix lies strictly inside its parent's and child[b] has bit b at the
// parent's prefix length. A node without a term is a branch point and
// always has two children, so a trie of n networks has fewer than 2n
// nodes whatever the addresses.
type netNode struct {
	prefix netip.Prefix
	term   *term // nil for a branch point
	child  [2]*netNode
}

// family is the trie index of an address: 0 for IPv4, 1 for IPv6.
func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// bitAt returns bit i (0 = most significant) of a.
func bitAt(a netip.Addr, i int) int {
	if a.Is4() {
		b := a.As4()
		return int(b[i>>3]>>(7-i&7)) & 1
	}
	b := a.As16()
	return int(b[i>>3]>>(7-i&7)) & 1
}

// commonBits is the length of the longest prefix shared by a and b,
// at most the shorter of the two.
func commonBits(a, b netip.Prefix) int {
	limit := min(a.Bits(), b.Bits())
	var x, y []byte
	if a.Addr().Is4() {
		p, q := a.Addr().As4(), b.Addr().As4()
		x, y = p[:], q[:]
	} else {
		p, q := a.Addr().As16(), b.Addr().As16()
		x, y = p[:], q[:]
	}
	n := 0
	for i := range x {
		if d := x[i] ^ y[i]; d != 0 {
			n += bits.LeadingZeros8(d)
			break
		}
		n += 8
	}
	return min(n, limit)
}

// netInsert puts t at network p (masked) in the trie rooted at *root.
func netInsert(root **netNode, p netip.Prefix, t *term) {
	slot := root
	for {
		cur := *slot
		switch {
		case cur == nil:
			*slot = &netNode{prefix: p, term: t}
			return
		case cur.prefix == p:
			cur.term = t
			return
		case cur.prefix.Bits() < p.Bits() && cur.prefix.Contains(p.Addr()):
			slot = &cur.child[bitAt(p.Addr(), cur.prefix.Bits())]
			continue
		}
		common := commonBits(cur.prefix, p)
		if common == p.Bits() { // p contains cur
			n := &netNode{prefix: p, term: t}
			n.child[bitAt(cur.prefix.Addr(), common)] = cur
			*slot = n
			return
		}
		branch := &netNode{prefix: netip.PrefixFrom(p.Addr(), common).Masked()}
		branch.child[bitAt(p.Addr(), common)] = &netNode{prefix: p, term: t}
		branch.child[bitAt(cur.prefix.Addr(), common)] = cur
		*slot = branch
		return
	}
}

// netFind returns the node of network p that carries a term, or nil.
func netFind(n *netNode, p netip.Prefix) *netNode {
	for n != nil {
		switch {
		case n.prefix == p:
			if n.term == nil {
				return nil
			}
			return n
		case n.prefix.Bits() < p.Bits() && n.prefix.Contains(p.Addr()):
			n = n.child[bitAt(p.Addr(), n.prefix.Bits())]
		default:
			return nil
		}
	}
	return nil
}

// netDelete removes network p from the trie rooted at *root, splicing out
// the nodes that no longer carry a term or a branch.
func netDelete(root **netNode, p netip.Prefix) {
	var parent **netNode
	slot := root
	for {
		cur := *slot
		if cur == nil {
			return
		}
		if cur.prefix == p {
			break
		}
		if !(cur.prefix.Bits() < p.Bits() && cur.prefix.Contains(p.Addr())) {
			return
		}
		parent, slot = slot, &cur.child[bitAt(p.Addr(), cur.prefix.Bits())]
	}
	cur := *slot
	cur.term = nil
	switch {
	case cur.child[0] != nil && cur.child[1] != nil:
		return // stays as a branch point
	case cur.child[0] != nil:
		*slot = cur.child[0]
	case cur.child[1] != nil:
		*slot = cur.child[1]
	default:
		*slot = nil
		if parent != nil && (*parent).term == nil {
			// a branch point left with one child is no longer needed
			par := *parent
			if par.child[0] != nil {
				*parent = par.child[0]
			} else {
				*parent = par.child[1]
			}
		}
	}
}

// netSearch calls visit with every node carrying a term whose network
// overlaps p (masked): the networks containing p, p itself, and every
// network inside p. It walks one path of the trie, then the subtree
// under p.
func netSearch(n *netNode, p netip.Prefix, visit func(*netNode)) {
	for n != nil {
		switch {
		case n.prefix.Bits() <= p.Bits() && n.prefix.Contains(p.Addr()):
			if n.term != nil {
				visit(n)
			}
			if n.prefix.Bits() == p.Bits() {
				netSubtree(n.child[0], visit)
				netSubtree(n.child[1], visit)
				return
			}
			n = n.child[bitAt(p.Addr(), n.prefix.Bits())]
		case p.Contains(n.prefix.Addr()): // n lies inside p
			netSubtree(n, visit)
			return
		default:
			return
		}
	}
}

// netSubtree visits every node with a term under n, n included.
func netSubtree(n *netNode, visit func(*netNode)) {
	for n != nil {
		if n.term != nil {
			visit(n)
		}
		netSubtree(n.child[0], visit)
		n = n.child[1]
	}
}
