// Package auth makes JAG's two promises: every stored object provably comes
// from the participant it names, and every request is made by a principal
// allowed to make it.
//
// # Object signatures
//
// A participant signs each STIX object with a detached compact JWS over the
// RFC 8785 canonical form (package jcs) of the object without the signature
// member of the extension ExtensionID (API.md section 1). SignObject makes
// such a signature; VerifyObject checks one against the keys of the
// participant that submits the object. Verification takes the key by the
// protected "kid" among those keys only, uses that key's single algorithm as
// the allow-list, and refuses everything else a JOSE library might accept:
// unprotected headers, header members other than alg/kid/typ (jwk, jku, x5u,
// x5c, crit, b64, ...), JSON serialisations with several signatures, ECDSA
// signatures that are not raw r‖s of the exact length or have r or s zero.
// It never fetches anything. Verifier adds the registry lookup that tells a
// key of another participant (ErrSignerMismatch) from an unknown one.
//
// # Access tokens
//
// An Authority issues and verifies the hub's access tokens (JWT, typ
// "at+jwt", API.md section 2) with the hub's own keys and, optionally, the
// keys of one external issuer given as a JWKS document (never fetched from
// token content). Verification uses an explicit algorithm list, requires
// exp and jti, checks issuer and audience with a bounded leeway, refuses a
// lifetime beyond the configured maximum, and asks a RevocationChecker
// (implemented by hub/postgres, shared by all replicas) about the jti.
// An Authority remembers, by SHA-256, up to 4,096 tokens that passed the
// checks that depend on the token's bytes alone (signature, issuer,
// audience, lifetime, tier, org) for at most ten minutes and never past
// their expiry; a token seen again skips only those checks: its time
// claims are judged against the clock and its jti is looked up on the
// revocation list on every request, so a revocation is refused at once.
// Refused tokens are never remembered.
// Authenticate and Require are the HTTP middleware around it.
//
// # Errors
//
// Every failure wraps one of the sentinel errors: ErrInvalidSignature (hub
// answers 400 invalid_signature), ErrSignerMismatch (403 signer_mismatch),
// ErrUnauthorized (401), ErrForbidden (403). A more specific sentinel (for
// example ErrKeyRevoked, ErrHeader, ErrTokenExpired) is wrapped alongside,
// so tests and logs can tell the cases apart; clients only see the code.
// Errors from a store (database unavailable) wrap none of them.
//
// # Visibility
//
// Visible is the Go twin of the SQL function jag_visible (migration 0001);
// hub/postgres proves with a property test that they agree on every input.
//
// # Concurrency
//
// The package has no mutable package-level state. Key, Verified, Principal
// and Marking are plain values. An Authority and a Verifier are safe for
// concurrent use once constructed; key state is never cached by this package
// beyond the lifetime of one Verifier, which the hub creates per request, so
// a revocation made through any replica is seen on the next request.
package auth
