// Package export holds the flat export formats of the hub: the block
// lists firewalls poll (ip, domain, url, sha256, sha1, md5), a DNS
// Response Policy Zone (rpz), Suricata rules (suricata), a CSV table for
// SIEM lookups (csv) and a STIX bundle of the signed originals (stix).
//
// It is vocabulary: no HTTP and no SQL. A store streams Records in the
// order a format's Need asks for (ordered and deduplicated by the
// database, so a writer never holds the export in memory) and a Writer
// encodes them onto an io.Writer. Filter is the set of export filters
// with one canonical text form (query string), used for named export
// definitions and for the entity tag. Version describes what a viewer's
// export depends on; Tag derives the strong entity tag from it without
// exposing anything the viewer may not see.
//
// Writers are not safe for concurrent use; everything else is immutable.
// Memory: every writer holds one record at a time, except the domain
// writers, which hold the internationalised names of an export (at most
// MaxIDNs) so they can merge them, as A-labels, into the sorted stream.
package export
