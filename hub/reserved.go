package hub

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix"
)

// Reserved ids (issue 10, finding 6). Every object of a submission lives
// in the submitting org's own lineage (migration 0080), so reusing an id
// never overwrites anyone; but an identity is how every reader names a
// participant, and the hub's own objects are how readers verify
// signatures. So:
//
//   - an identity whose id is a registered participant's may only be
//     published by that participant;
//   - the hub's identity (HubIdentity) and the signature extension's
//     definition (auth.ExtensionID) are published by the hub alone; the
//     TLP 2.0 extension's definition (stix.TLP2ExtensionID) is FIRST's,
//     so no participant's signed copy of it can be genuine.
//
// The answer is 403 forbidden naming each such object. It reveals
// nothing: registered participants are public (GET /v1/participants) and
// the hub's ids are constants.

// participantRegistry is what reservedIDs needs (SubmissionStore has it).
type participantRegistry interface {
	RegisteredParticipants(ctx context.Context, ids []string) ([]string, error)
}

// reservedIDs returns the items of b's objects whose ids the submitting
// org may not use, or nil. Predefined TLP marking definitions (skip) are
// never the org's and are not checked.
func reservedIDs(ctx context.Context, store participantRegistry, org string, b *stix.Bundle, skip []bool) ([]Item, error) {
	var ask []string
	asked := map[string]bool{}
	for i, o := range b.Objects {
		if !skip[i] && o.Type == "identity" && o.ID != org && !asked[o.ID] {
			asked[o.ID] = true
			ask = append(ask, o.ID)
		}
	}
	registered := map[string]bool{}
	if len(ask) > 0 {
		ids, err := store.RegisteredParticipants(ctx, ask)
		if err != nil {
			return nil, fmt.Errorf("look up participants: %w", err)
		}
		for _, id := range ids {
			registered[id] = true
		}
	}
	var items []Item
	for i, o := range b.Objects {
		var msg string
		switch {
		case skip[i]:
			continue
		case o.ID == HubIdentity:
			msg = "the hub's identity is published by the hub only"
		case o.ID == auth.ExtensionID:
			msg = "the signature extension's definition is published by the hub only"
		case o.ID == stix.TLP2ExtensionID:
			msg = "the TLP 2.0 extension's definition is FIRST's and cannot be a participant's"
		case o.Type == "identity" && registered[o.ID]:
			msg = "a registered participant's identity may only be published by that participant"
		default:
			continue
		}
		items = append(items, Item{Object: o.ID, Pointer: "/objects/" + strconv.Itoa(i) + "/id", Message: msg})
	}
	return items, nil
}
