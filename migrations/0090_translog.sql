-- 0090: the transparency log (hub/translog).
-- compat: 90
--
-- Compat 90 (this migration's own version): a binary older than it would
-- accept versions and registry changes without appending their entries,
-- and the log promises an entry for every change accepted once it exists;
-- so an older binary must not serve this schema (it turns unready in a
-- rolling deploy, as for 0060).

-- The log's entries, stored per batch: the entries one transaction
-- appends (a submission's versions, or one registry change), written as a
-- C2SP tlog-tiles entry bundle (each entry prefixed by its big-endian
-- uint16 length; an entry is the RFC 8785 canonical JSON the RFC 6962
-- leaf hash is computed from). The bundle is written before the
-- transaction takes the feed's append lock (feedAppendLock); under the
-- lock only the batch's log_batches row is inserted, its first_idx the
-- end of the previous batch. Committed batches therefore always form a
-- gap-free prefix of the log, in the feed's commit order, on every
-- replica, and the lock is held for one small row rather than a row per
-- entry.
CREATE TABLE log_bundles (
    batch    text  PRIMARY KEY,   -- the submission id, or registry--<uuid>
    entries  bytea NOT NULL
);
-- Out of line and uncompressed: pglz would cost the ingest transaction
-- more CPU than the bytes it saves (hex hashes compress poorly).
ALTER TABLE log_bundles ALTER COLUMN entries SET STORAGE EXTERNAL;
CREATE TABLE log_batches (
    batch      text    PRIMARY KEY REFERENCES log_bundles (batch),
    first_idx  bigint  NOT NULL UNIQUE CHECK (first_idx >= 0),
    count      integer NOT NULL CHECK (count > 0)
);

-- The position of a version among its submission's entries: it is entry
-- log_batches.first_idx + log_ordinal (NULL for versions accepted before
-- the log existed, or while it was switched off).
ALTER TABLE objects ADD COLUMN log_ordinal integer;

-- The RFC 6962 tree, as golang.org/x/mod/sumdb/tlog stores it: every
-- complete subtree hash at its stored-hash index. Written by the
-- sequencer only, one row per round: the round's hashes, contiguous from
-- stored-hash index start on, concatenated (32 bytes each). Stored out of
-- line and uncompressed so that reading one hash fetches only its chunk.
CREATE TABLE log_hash_runs (
    start  bigint PRIMARY KEY CHECK (start >= 0),
    data   bytea  NOT NULL CHECK (length(data) > 0 AND length(data) % 32 = 0)
);
ALTER TABLE log_hash_runs ALTER COLUMN data SET STORAGE EXTERNAL;

-- How many entries the sequencer has hashed.
CREATE TABLE log_tree (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    size       bigint  NOT NULL DEFAULT 0 CHECK (size >= 0)
);
INSERT INTO log_tree DEFAULT VALUES;

-- Every published checkpoint (C2SP tlog-checkpoint signed notes).
CREATE TABLE log_checkpoints (
    size        bigint      PRIMARY KEY CHECK (size >= 0),
    note        bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The log's Ed25519 note keys (golang.org/x/mod/sumdb/note). Every
-- non-retired key signs each checkpoint; the newest is the one served.
CREATE TABLE log_keys (
    vkey        text        PRIMARY KEY,
    skey        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

-- Witness cosignatures (C2SP tlog-cosignature) submitted by participants,
-- at most one per participant and checkpoint; old ones are pruned.
CREATE TABLE log_cosignatures (
    org         text        NOT NULL,
    size        bigint      NOT NULL,
    vkey        text        NOT NULL,
    line        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org, size)
);
CREATE INDEX log_cosignatures_size ON log_cosignatures (size);
