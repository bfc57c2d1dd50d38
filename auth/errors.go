package auth

import "errors"

// Errors the hub maps to HTTP answers (see the package documentation).
var (
	// ErrInvalidSignature: the object's signature is missing, malformed,
	// made with an unknown, revoked or not-yet-valid key, or does not verify.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrSignerMismatch: the signature is valid but the signer is not the
	// participant the object or the request names.
	ErrSignerMismatch = errors.New("signer mismatch")
	// ErrUnauthorized: no valid access token.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: a valid principal lacks the scope the route needs.
	ErrForbidden = errors.New("forbidden")
)

// Specific causes, wrapped together with one of the errors above.
var (
	// ErrUnsigned: the object has no signature in the JAG extension.
	ErrUnsigned = errors.New("object is not signed")
	// ErrKeyNotFound: no registered key has the kid (also returned by
	// registry lookups on their own).
	ErrKeyNotFound = errors.New("key not found")
	// ErrKeyRevoked: the key was revoked at or before the time of use.
	ErrKeyRevoked = errors.New("key revoked")
	// ErrKeyNotYetValid: the time of use is before the key's not-before.
	ErrKeyNotYetValid = errors.New("key not yet valid")
	// ErrAlgorithm: the JWS algorithm is not the key's one algorithm.
	ErrAlgorithm = errors.New("algorithm not allowed for key")
	// ErrHeader: the JOSE header is malformed or has a member other than
	// alg, kid and typ, or the wrong typ.
	ErrHeader = errors.New("forbidden or malformed JOSE header")
	// ErrMalformed: the JWS or JWT is not a well-formed compact
	// serialisation (JWE and other 5-part tokens included).
	ErrMalformed = errors.New("malformed compact serialisation")
	// ErrInvalidKey: a JWK is unusable (wrong type or curve, RSA < 2048
	// bits, private material where a public key is expected, no algorithm).
	ErrInvalidKey = errors.New("invalid key")
	// ErrTokenExpired: exp (plus leeway) has passed, or nbf is in the future.
	ErrTokenExpired = errors.New("token expired or not yet valid")
	// ErrTokenRevoked: the token's jti is on the revocation list.
	ErrTokenRevoked = errors.New("token revoked")
	// ErrTokenClaims: a required claim is missing or iss, aud, tier, or
	// lifetime is not acceptable.
	ErrTokenClaims = errors.New("invalid token claims")
	// ErrTokenInQuery: a token was passed in the URL query string.
	ErrTokenInQuery = errors.New("token in URL query string")
	// ErrInvalidParticipant: a participant's id, name, country or sector
	// is not acceptable.
	ErrInvalidParticipant = errors.New("invalid participant")
)
