package taxii

import (
	"context"
	"encoding/json"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// Collections lists the admin-defined collections (the default one is
// added by the adapter).
type Collections interface {
	Collections(ctx context.Context) ([]hub.Collection, error)
}

// Reader reads the contents of a collection for one viewer under the one
// visibility rule (hub.CollectionReader).
type Reader interface {
	CollectionEntries(ctx context.Context, v hub.Viewer, f *hub.CollectionFilter, q *hub.CollectionQuery) ([]hub.CollectionEntry, error)
}

// Ingester stores the objects of one envelope through the same ingest
// service as POST /v1/bundles, in partial mode: the objects that pass
// (and fall into admit) are stored in one transaction, the others are
// reported with the REST API's problem code. It returns one outcome per
// object, in order. An error means nothing was stored.
type Ingester interface {
	IngestEnvelope(ctx context.Context, p *auth.Principal, objects []json.RawMessage, admit *hub.CollectionFilter) (hub.PartialResult, error)
}

// Statuses keeps the status resources of POSTs (hub.StatusStore).
type Statuses interface {
	SaveStatus(ctx context.Context, s *hub.EnvelopeStatus) error
	EnvelopeStatus(ctx context.Context, org, id string) (hub.EnvelopeStatus, error)
}

// Deps are the collaborators of a Handler; cmd/jag wires them.
type Deps struct {
	Tokens      auth.TokenVerifier
	Collections Collections
	Reader      Reader
	Ingester    Ingester
	Statuses    Statuses
	// IngestBudget bounds the bytes of the submissions ingested at once,
	// shared with the other channels (hub.ByteBudget); nil bounds nothing.
	IngestBudget *hub.ByteBudget
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics registers the adapter's request metrics; nil registers
	// none.
	Metrics prometheus.Registerer
}
