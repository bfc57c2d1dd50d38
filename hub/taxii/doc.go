// Package taxii is the TAXII 2.1 adapter of the hub (OASIS Standard,
// 10 June 2021): discovery at /taxii2/, one API root /taxii2/jag/, its
// collections, objects (GET and POST), object, versions, manifest and
// status endpoints. It is a protocol adapter only: what a collection
// holds, who may see which version, how objects are verified and stored
// all come from the hub's services through the small interfaces declared
// in deps.go, so TAXII answers exactly what the REST API answers.
//
// Contract:
//
//   - Every answer, errors included, is application/taxii+json;version=2.1;
//     requests must accept it (Accept application/taxii+json with version
//     2.1 or none, or a wildcard; absent Accept accepts anything), 406
//     otherwise. Error bodies are TAXII error messages.
//   - Credentials: HTTP Basic (the password is a JAG access token, the user
//     name is ignored), Bearer or Token; none gives 401 with a Basic
//     challenge. Tokens in the query string are refused and never logged.
//   - URLs are tolerant: a missing trailing slash and doubled slashes reach
//     the same resource, without a redirect (which would lose a POST body).
//   - Pages are in date_added order. date_added is unique and strictly
//     increasing in commit order (the feed's order), so polling with
//     added_after = X-TAXII-Date-Added-Last never skips or repeats a
//     version. next is an opaque string holding the page's position and a
//     digest of the request's filters: valid on any replica and after
//     restarts, and refused with other filters.
//   - Every resource is bounded: a page stops at the limit and at
//     MaxPageBytes of objects (at least one object), match lists at 100
//     values, a POST at MaxContentLength; the body must arrive within
//     RequestTimeout and the answer be taken within twice it.
//   - A status resource is readable only by member-tier tokens of the
//     posting org (it lists every object of the envelope); for anyone
//     else it answers like a missing one.
//   - DELETE is not offered: the history is immutable (405).
//
// A Handler is safe for concurrent use; it keeps no per-request state.
package taxii
