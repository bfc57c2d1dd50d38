package auth

import "regexp"

// maxLoggedPath bounds a path as RedactPath returns it.
const maxLoggedPath = 256

var (
	// tokenParam is a credential-named parameter anywhere in a path
	// (";access_token=…", "/token=…", "/bearer:…").
	tokenParam = regexp.MustCompile(`(?i)((?:access_token|id_token|refresh_token|token|jwt|bearer|authorization|auth|key|secret|password)[=:])[^/;&?,]*`)
	// jwtLike is anything shaped like a JWS or JWE in compact form: at
	// least two dot-separated base64url runs (a JWT header alone, "eyJ…",
	// also counts).
	jwtLike = regexp.MustCompile(`[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*){1,4}\.[A-Za-z0-9_\-]{8,}|eyJ[A-Za-z0-9_\-]{8,}`)
)

// RedactPath returns a request path as a log line may show it: every
// credential-named parameter's value and anything shaped like a token
// (compact JWS/JWE, a JWT header) replaced by "[redacted]", and at most
// 256 bytes. Every HTTP channel logs paths through it; query strings and
// headers are never logged at all.
func RedactPath(p string) string {
	p = tokenParam.ReplaceAllString(p, "${1}[redacted]")
	p = jwtLike.ReplaceAllString(p, "[redacted]")
	if len(p) > maxLoggedPath {
		p = p[:maxLoggedPath] + "…"
	}
	return p
}
