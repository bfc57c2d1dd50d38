package auth

import "slices"

// TLP levels as stored (TLP 2.0 names, lower case).
const (
	TLPClear       = "clear"
	TLPGreen       = "green"
	TLPAmber       = "amber"
	TLPAmberStrict = "amber+strict"
	TLPRed         = "red"
)

// Marking holds the visibility inputs of one object version.
type Marking struct {
	TLP        string   // TLPClear .. TLPRed; anything else is seen by nobody but its creator
	Recipients []string // nil when the object names none; non-nil empty names nobody
	CreatedBy  string   // identity id of the creating org
}

// Visible reports whether p (nil for an anonymous request) may see an
// object version with marking m. It is the Go twin of the SQL function
// jag_visible and must stay identical to it:
//
//   - a member-tier principal of the creating org sees its own objects;
//   - otherwise, when recipients are named, p's org must be one of them,
//     and the TLP must allow p's tier: clear for everyone (anonymous
//     included; whether anonymous requests are served at all is the hub's
//     configuration), green for member, client and community, amber for
//     member and client, amber+strict and red for member, red only when
//     recipients are named.
func Visible(p *Principal, m Marking) bool {
	var org, tier string
	if p != nil {
		org, tier = p.Org, p.Tier
	}
	if tier == TierMember && org != "" && m.CreatedBy == org {
		return true
	}
	if m.Recipients != nil && (org == "" || !slices.Contains(m.Recipients, org)) {
		return false
	}
	switch m.TLP {
	case TLPClear:
		return true
	case TLPGreen:
		return tier == TierMember || tier == TierClient || tier == TierCommunity
	case TLPAmber:
		return tier == TierMember || tier == TierClient
	case TLPAmberStrict:
		return tier == TierMember
	case TLPRed:
		return tier == TierMember && m.Recipients != nil
	default:
		return false
	}
}
