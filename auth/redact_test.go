package auth

import (
	"strings"
	"testing"
)

func TestRedactPath(t *testing.T) {
	jwt := "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
	for in, want := range map[string]string{
		"/v1/objects": "/v1/objects",
		"/v1/objects/indicator--00000000-0000-4000-8000-000000000001": "/v1/objects/indicator--00000000-0000-4000-8000-000000000001",
		"/v1/objects;access_token=" + jwt:                             "/v1/objects;access_token=[redacted]",
		"/v1/objects;Access_Token=abc;x=1":                            "/v1/objects;Access_Token=[redacted];x=1",
		"/v1/objects/" + jwt + "/provenance":                          "/v1/objects/[redacted]/provenance",
		"/a/eyJhbGciOiJFZERTQSJ9":                                     "/a/[redacted]",
		"/x/aaaaaaaaaa..bbbbbbbbbb":                                   "/x/[redacted]",
		"/.well-known/jwks.json":                                      "/.well-known/jwks.json",
		"/v1/admin/keys/kid-1/revoke":                                 "/v1/admin/keys/kid-1/revoke",
		"/" + strings.Repeat("a", 300):                                "/" + strings.Repeat("a", 255) + "…",
	} {
		if got := RedactPath(in); got != want {
			t.Errorf("RedactPath(%.40q) = %q, want %q", in, got, want)
		}
	}
}
