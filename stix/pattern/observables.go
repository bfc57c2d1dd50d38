package pattern

// Observable is a value an index can answer for.
type Observable struct {
	// Kind is "ipv4", "ipv6", "domain", "url", "email", or a lower-case
	// hash algorithm: "md5", "sha1", "sha256", "sha512", "sha3-256",
	// "sha3-512", "ssdeep", "tlsh", …
	Kind string
	// Value is normalised: IPs canonical, a CIDR as its masked prefix (a
	// /32 or /128 becomes the bare address), domains lower-case without a
	// trailing dot, URLs as written, e-mail lower-case, hashes lower-case.
	Value string
	// Path is the object path as written, e.g. "file:hashes.'SHA-256'".
	Path string
	// Op is the operator that referenced the value: "=", "IN", "ISSUBSET".
	Op string
}

// Observables returns the values the pattern positively references,
// deduplicated, in order of first appearance.
func (p *Pattern) Observables() []Observable {
	return nil
}
