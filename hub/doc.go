// Package hub is JAG's service core: the vocabulary every channel shares
// and the services that run the hub's rules, with no transport.
//
// Vocabulary: object versions (ObjectVersion, StoredObject, Observable),
// submissions and their receipts (Submission, NewSubmission, StoreResult,
// ReceiptPayload), the feed's events (Event, Page, Stats), the reader a
// read is made for (Viewer), the history filters (ObjectFilter, Cursor)
// and lookup probes (Probe, LookupHit).
//
// Storage is reached through the interfaces declared here and nowhere
// else (SubmissionStore, KeySource via auth, QueryStore, AdminStore,
// EventSource, Revocations, Readiness); hub/postgres implements them.
//
// Services apply the rules and return typed errors: *Error (a stable code
// with findings, e.g. CodeInvalidSignature) for what the caller can fix,
// the sentinels ErrNotFound, ErrConflict, ErrUnavailable (wrapped) for
// stored state and outages, anything else is internal:
//
//   - IngestService.Submit(ctx, principal, body): decode, validate,
//     verify, apply the policy, store; and Submission for receipts;
//   - QueryService: objects, history search, lookups and provenance for a
//     Viewer (visibility is applied by the store inside every query);
//   - AdminService: participants, keys, tokens and the hub's JWKS.
//
// Channels (hub/rest for HTTP, feeds for the websocket feed, and later
// TAXII or exports) translate their protocol into these calls; they never
// import each other, and only cmd/jag wires them. This package imports no
// HTTP framework, websocket, metrics or logging library.
package hub
