package hub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jag-hub/jag/auth"
)

// Who may read a receipt (issue 10, finding 10). A receipt lists every
// object version of its bundle, so it names versions some principals of
// the submitting org may not see (a client or community token is not
// widened by "the creating org sees its own objects"). A receipt is
// served only to a principal of the submitting org that may see every
// version it lists: the org's member tier always may; another tier only
// when each listed version's marking admits it. Otherwise the submission
// is answered like a missing one (GET /v1/submissions/{id}) and the
// provenance of a version carries no receipt.

// ReceiptVersions is what the receipt rule needs from storage; both the
// submission and the query stores offer it (*postgres.DB implements it).
type ReceiptVersions interface {
	// VisibleVersions returns how many of the versions objs of org's
	// lineages (migration 0080) v may see.
	VisibleVersions(ctx context.Context, v Viewer, org string, objs []ReceiptObject) (int, error)
}

// receiptReadable reports whether v may read the receipt of a submission
// of org.
func receiptReadable(ctx context.Context, store ReceiptVersions, v Viewer, org, receipt string) (bool, error) {
	switch {
	case v.Org == "" || v.Org != org:
		return false, nil
	case v.Tier == auth.TierMember:
		return true, nil
	}
	objs, err := receiptObjects(receipt)
	if err != nil {
		return false, err
	}
	n, err := store.VisibleVersions(ctx, v, org, objs)
	if err != nil {
		return false, fmt.Errorf("check receipt versions: %w", err)
	}
	return n == len(objs), nil
}

// receiptObjects reads the versions a receipt (signed by this hub, see
// signReceipt) lists.
func receiptObjects(receipt string) ([]ReceiptObject, error) {
	parts := strings.Split(receipt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("read receipt: not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("read receipt: %w", err)
	}
	var p ReceiptPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("read receipt: %w", err)
	}
	return p.Objects, nil
}
