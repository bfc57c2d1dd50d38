package auth_test

import (
	"fmt"
	"time"

	"github.com/jag-hub/jag/auth"
)

// A participant signs an object with its private key; the hub verifies it
// against the keys registered to the submitting participant.
func ExampleSignObject() {
	const org = "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
	priv, err := auth.GenerateKey("EdDSA")
	if err != nil {
		panic(err)
	}
	registered, err := auth.NewKey(org, priv.Public(), time.Now().Add(-time.Minute))
	if err != nil {
		panic(err)
	}
	obj := `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
	  "created_by_ref":"` + org + `","created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z",
	  "pattern":"[ipv4-addr:value = '203.0.113.7']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z"}`
	signed, err := auth.SignObject([]byte(obj), priv, []string{org})
	if err != nil {
		panic(err)
	}
	v, err := auth.VerifyObject(signed, []auth.Key{registered}, time.Now())
	fmt.Println(v.Alg, v.Signer == org, v.Recipients[0] == org, err)
	// Output: EdDSA true true <nil>
}

func ExampleVisible() {
	const a, b = "identity--aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "identity--bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
	soc := &auth.Principal{Org: a, Tier: auth.TierClient}
	analyst := &auth.Principal{Org: a, Tier: auth.TierMember}
	red := auth.Marking{TLP: auth.TLPRed, Recipients: []string{a}, CreatedBy: b}
	amber := auth.Marking{TLP: auth.TLPAmber, CreatedBy: b}
	fmt.Println(auth.Visible(soc, amber), auth.Visible(soc, red), auth.Visible(analyst, red), auth.Visible(nil, amber))
	// Output: true false true false
}
