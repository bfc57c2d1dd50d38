package pattern

import "strings"

// Observable is a value an index can answer for.
type Observable struct {
	// Kind is "ipv4", "ipv6", "domain", "url", "email", or a lower-case
	// hash algorithm: "md5", "sha1", "sha256", "sha512", "sha3-256",
	// "sha3-512", "ssdeep", "tlsh", …
	Kind string
	// Value is normalised: IPs canonical, a CIDR as its masked prefix (a
	// /32 or /128 becomes the bare address), domains lower-case without a
	// trailing dot, URLs as written, e-mail lower-case, hex hashes
	// lower-case.
	Value string
	// Path is the object path as written, e.g. "file:hashes.'SHA-256'".
	Path string
	// Op is the operator that referenced the value: "=", "IN", "ISSUBSET".
	// It is empty in a result of Classify.
	Op string
}

// Observables returns the values the pattern positively references,
// deduplicated, in order of first appearance. A value counts when it is
// the string right-hand side of "=", a string member of an "IN" set, or
// the CIDR of "ISSUBSET", compared with a path that holds an indexable
// kind (see pathKind); negated comparisons ("NOT =", "!=") never count.
// Values that do not have the shape of their kind (a domain with a
// space, an MD5 of the wrong length) are skipped: no lookup could
// produce them.
func (p *Pattern) Observables() []Observable {
	var out []Observable
	seen := make(map[Observable]struct{})
	add := func(o Observable) {
		if _, dup := seen[o]; !dup {
			seen[o] = struct{}{}
			out = append(out, o)
		}
	}
	walkExpr(p.Root, func(t *PropTest) {
		if t.Not {
			return
		}
		var vals []*Literal
		switch t.Op {
		case OpEqual, OpIsSubset:
			vals = []*Literal{t.Value}
		case OpIn:
			vals = t.Set
		default:
			return
		}
		target, ok := pathKind(t.Path)
		if !ok {
			return
		}
		path := t.Path.String()
		for _, v := range vals {
			if v.Kind != KindString {
				continue
			}
			o, ok := target.observable(v.Str)
			if !ok || (t.Op == OpIsSubset && o.Kind != kindIPv4 && o.Kind != kindIPv6) {
				continue
			}
			o.Path, o.Op = path, t.Op.String()
			add(o)
		}
	})
	return out
}

// walkExpr calls fn for every PropTest under e, left to right. Depth is
// bounded by the parser's limits.
func walkExpr(e Expr, fn func(*PropTest)) {
	switch e := e.(type) {
	case *ObservationExpr:
		walkComparison(e.Cond, fn)
	case *BinaryExpr:
		walkExpr(e.X, fn)
		walkExpr(e.Y, fn)
	case *QualifiedExpr:
		walkExpr(e.X, fn)
	}
}

func walkComparison(c Comparison, fn func(*PropTest)) {
	switch c := c.(type) {
	case *BinaryComparison:
		walkComparison(c.X, fn)
		walkComparison(c.Y, fn)
	case *PropTest:
		fn(c)
	}
}

// Observable kinds.
const (
	kindIPv4   = "ipv4"
	kindIPv6   = "ipv6"
	kindDomain = "domain"
	kindURL    = "url"
	kindEmail  = "email"
)

// target says how to read the values compared with a path.
type target struct {
	// kind is the fixed kind: kindDomain, kindURL, kindEmail or a hash
	// algorithm; empty means "an IP address or CIDR".
	kind string
	// byShape is set for references (network-traffic:dst_ref.value), whose
	// target type is not known from the path: the value's shape decides.
	byShape bool
}

// pathKind decides which kind of observable a path holds:
//
//	ipv4-addr:value, ipv6-addr:value         IP address or CIDR
//	domain-name:value                        domain
//	url:value                                URL
//	email-addr:value                         e-mail address
//	<type>:…_ref.value, <type>:…_refs[i].value  by the value's shape
//	<type>:….hashes.<ALG>                    hash, kind from ALG
func pathKind(p *ObjectPath) (target, bool) {
	steps := p.Steps
	last := steps[len(steps)-1]
	if last.Kind != StepKey {
		return target{}, false
	}
	if len(steps) == 1 {
		if last.Key != "value" {
			return target{}, false
		}
		switch p.ObjectType {
		case "ipv4-addr", "ipv6-addr":
			return target{}, true
		case "domain-name":
			return target{kind: kindDomain}, true
		case "url":
			return target{kind: kindURL}, true
		case "email-addr":
			return target{kind: kindEmail}, true
		}
		return target{}, false
	}
	prev := steps[len(steps)-2]
	if prev.Kind == StepKey && prev.Key == "hashes" {
		return target{kind: hashKind(last.Key)}, true
	}
	if last.Key != "value" {
		return target{}, false
	}
	// A reference: "…_ref.value" or "…_refs[n].value".
	if prev.Kind == StepKey && strings.HasSuffix(prev.Key, "_ref") {
		return target{byShape: true}, true
	}
	if prev.Kind != StepKey && len(steps) >= 3 {
		if ref := steps[len(steps)-3]; ref.Kind == StepKey && strings.HasSuffix(ref.Key, "_refs") {
			return target{byShape: true}, true
		}
	}
	return target{}, false
}

// observable normalises v as the target's kind.
func (t target) observable(v string) (Observable, bool) {
	switch {
	case t.byShape:
		if o, ok := classifyNet(v); ok {
			return o, true
		}
		if strings.IndexByte(v, '@') >= 0 {
			return classifyEmail(v)
		}
		return classifyDomain(v)
	case t.kind == "":
		return classifyNet(v)
	case t.kind == kindDomain:
		return classifyDomain(v)
	case t.kind == kindURL:
		return classifyURL(v)
	case t.kind == kindEmail:
		return classifyEmail(v)
	}
	return normaliseHash(t.kind, v)
}
