package hub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// registry is a participantRegistry and ReceiptVersions fake: the
// registered participants, and the versions (id NUL modified) each
// viewer may see.
type registry struct {
	participants []string
	visible      map[Viewer][]string
}

func (r registry) RegisteredParticipants(_ context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		if slices.Contains(r.participants, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (r registry) VisibleVersions(_ context.Context, v Viewer, _ string, objs []ReceiptObject) (int, error) {
	n := 0
	for _, o := range objs {
		if slices.Contains(r.visible[v], o.ID+"\x00"+o.Modified) {
			n++
		}
	}
	return n, nil
}

func TestReservedIDs(t *testing.T) {
	const org, other, stranger = "identity--00000000-0000-4000-8000-00000000000a", "identity--00000000-0000-4000-8000-00000000000b", "identity--00000000-0000-4000-8000-00000000000c"
	reg := registry{participants: []string{org, other}}
	identity := func(id string) *stix.Object {
		return decodeObject(t, `{"type":"identity","id":"`+id+`","name":"x"}`)
	}
	tests := []struct {
		name string
		objs []*stix.Object
		skip []bool
		want []string // pointers
	}{
		{"own identity", []*stix.Object{identity(org)}, nil, nil},
		{"unregistered identity", []*stix.Object{identity(stranger)}, nil, nil},
		{"another participant's identity", []*stix.Object{identity(org), identity(other)}, nil, []string{"/objects/1/id"}},
		{"the hub's identity", []*stix.Object{identity(HubIdentity)}, nil, []string{"/objects/0/id"}},
		{"the signature extension", []*stix.Object{decodeObject(t, `{"type":"extension-definition","id":"`+auth.ExtensionID+`"}`)}, nil, []string{"/objects/0/id"}},
		{"the TLP 2.0 extension", []*stix.Object{decodeObject(t, `{"type":"extension-definition","id":"`+stix.TLP2ExtensionID+`"}`)}, nil, []string{"/objects/0/id"}},
		{"skipped objects are not checked", []*stix.Object{identity(other)}, []bool{true}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			skip := tc.skip
			if skip == nil {
				skip = make([]bool, len(tc.objs))
			}
			items, err := reservedIDs(context.Background(), reg, org, &stix.Bundle{Objects: tc.objs}, skip)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Pointer)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("pointers = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReceiptReadable(t *testing.T) {
	const org = "identity--00000000-0000-4000-8000-00000000000a"
	objs := []ReceiptObject{{ID: "indicator--1", Modified: "m1"}, {ID: "indicator--2", Modified: "m2"}}
	payload, err := json.Marshal(ReceiptPayload{Org: org, Objects: objs})
	if err != nil {
		t.Fatal(err)
	}
	receipt := "e30." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"
	client := Viewer{Org: org, Tier: auth.TierClient}
	community := Viewer{Org: org, Tier: auth.TierCommunity}
	reg := registry{visible: map[Viewer][]string{
		client:    {"indicator--1\x00m1", "indicator--2\x00m2"},
		community: {"indicator--1\x00m1"},
	}}
	for _, tc := range []struct {
		name string
		v    Viewer
		want bool
	}{
		{"member of the org", Viewer{Org: org, Tier: auth.TierMember}, true},
		{"client seeing every version", client, true},
		{"community missing one", community, false},
		{"another org's member", Viewer{Org: "identity--00000000-0000-4000-8000-00000000000b", Tier: auth.TierMember}, false},
		{"anonymous", Viewer{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := receiptReadable(context.Background(), reg, tc.v, org, receipt)
			if err != nil || ok != tc.want {
				t.Fatalf("receiptReadable = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	t.Run("ErrMalformed", func(t *testing.T) {
		if _, err := receiptReadable(context.Background(), reg, client, org, "not-a-jws"); err == nil {
			t.Fatal("a malformed receipt was read")
		}
	})
}
