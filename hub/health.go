package hub

import "context"

// Readiness is what a readiness probe asks storage: nil when the database
// answers and its schema is one this binary can serve.
type Readiness interface {
	Ready(ctx context.Context) error
}
