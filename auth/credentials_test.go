package auth

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCredentialsFromRequest(t *testing.T) {
	basic := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name, url, header, want string
		wantErr                 bool
	}{
		{name: "none", url: "/x"},
		{name: "bearer", url: "/x", header: "Bearer tok.en.x", want: "tok.en.x"},
		{name: "bearer lower case", url: "/x", header: "bearer tok", want: "tok"},
		{name: "token scheme", url: "/x", header: "Token tok", want: "tok"},
		{name: "basic", url: "/x", header: "Basic " + basic("anyone:tok.en.x"), want: "tok.en.x"},
		{name: "basic lower case (MISP)", url: "/x", header: "basic " + basic("misp:tok"), want: "tok"},
		{name: "basic empty user", url: "/x", header: "Basic " + basic(":tok"), want: "tok"},
		{name: "basic password with colon", url: "/x", header: "Basic " + basic("u:a:b"), want: "a:b"},
		{name: "basic no password", url: "/x", header: "Basic " + basic("s3cr3t"), wantErr: true},
		{name: "basic empty password", url: "/x", header: "Basic " + basic("user:"), wantErr: true},
		{name: "basic not base64", url: "/x", header: "Basic !!!", wantErr: true},
		{name: "unknown scheme", url: "/x", header: "Digest s3cr3t", wantErr: true},
		{name: "scheme only", url: "/x", header: "Bearer", wantErr: true},
		{name: "token with space", url: "/x", header: "Bearer s3cr3t b", wantErr: true},
		{name: "too long", url: "/x", header: "Bearer " + strings.Repeat("a", maxCredentialBytes), wantErr: true},
		{name: "token in query", url: "/x?access_token=s3cr3t", wantErr: true},
		{name: "token in query with header", url: "/x?token=abc", header: "Bearer tok", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.url, nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			got, err := CredentialsFromRequest(r)
			if tc.wantErr {
				if !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				if got != "" || strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("got %q, err %q: must be empty and never name the token", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
