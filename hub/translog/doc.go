// Package translog is the vocabulary and the services of the hub's
// transparency log, with no transport and no SQL: what an entry is, how a
// checkpoint is written and signed, how the sequencer turns stored entries
// into RFC 6962 hashes and checkpoints, and how a client or a witness
// verifies what a hub serves.
//
// The Merkle math is golang.org/x/mod/sumdb/tlog and the signed notes are
// golang.org/x/mod/sumdb/note; nothing here hashes a tree by hand.
// Formats follow C2SP: tlog-checkpoint (the checkpoint body),
// signed-note (its signatures), tlog-cosignature (cosignature/v1, Ed25519,
// for witnesses) and tlog-tiles (tile and entry-bundle paths, bundles of
// big-endian uint16 length-prefixed entries).
//
// # What the log reveals
//
// Anyone holding a token may read the log, whatever they may see of the
// objects. An object entry therefore commits to its version without
// naming it: the public fields are the kind, the version's modified time,
// the hub's receive time, the SHA-256 of the object's canonical form
// (which covers the embedded signature, so it cannot be confirmed by
// guessing the content without the signer's private key) and the SHA-256
// of the signature; the object id, the key id, the creator and the
// submission are blinded with the signature as a key (see [Blind]). Only
// a party that holds the object (and so its signature) can recognise the
// entry. The log therefore reveals the number of accepted versions and
// their modified and receive times, and nothing that links an entry to an
// object, an org or a submission. Registry entries (participants, keys,
// revocations) name what they record in clear: the same facts are served
// to every token by GET /v1/participants.
//
// Concurrency: every function is safe for concurrent use; a [Sequencer]
// may run on every replica at once (its store elects one per round).
package translog
