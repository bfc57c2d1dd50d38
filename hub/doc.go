// Package hub is the JAG service: the HTTP API of API.md (ingest, receipts,
// history queries, lookups, participants, admin), the policy that decides
// what is stored, and the one mapping from errors to HTTP problems.
//
// hub holds no SQL: storage is reached through small interfaces declared
// here and implemented by hub/postgres; cmd/jag wires the two. A Server is
// safe for concurrent use once built; handlers never keep request state in
// the Server.
package hub
