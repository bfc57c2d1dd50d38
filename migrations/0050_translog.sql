-- 0050: the transparency log (hub/translog).

-- One row per log entry, appended in the transaction of the change it
-- records, under the feed's append lock (feedAppendLock): idx is
-- max(idx) + 1 there, so committed indexes always form a gap-free prefix
-- in the feed's commit order, on every replica. entry is the RFC 8785
-- canonical JSON the RFC 6962 leaf hash is computed from.
CREATE TABLE log_entries (
    idx    bigint PRIMARY KEY CHECK (idx >= 0),
    entry  bytea  NOT NULL CHECK (length(entry) BETWEEN 1 AND 65535)
);

-- Where the entries of a submission start: the version with
-- objects.log_ordinal k is entry first_idx + k. One row per submission
-- rather than one per version keeps the ingest transaction's work under
-- the lock to one statement.
CREATE TABLE log_submissions (
    submission  text    PRIMARY KEY,
    first_idx   bigint  NOT NULL CHECK (first_idx >= 0),
    count       integer NOT NULL CHECK (count > 0)
);

-- The position of a version among its submission's entries (NULL for
-- versions accepted before the log existed, or while it was switched off).
ALTER TABLE objects ADD COLUMN log_ordinal integer;

-- The RFC 6962 tree, as golang.org/x/mod/sumdb/tlog stores it: every
-- complete subtree hash at its stored-hash index. Written by the
-- sequencer only.
CREATE TABLE log_hashes (
    idx   bigint PRIMARY KEY CHECK (idx >= 0),
    hash  bytea  NOT NULL CHECK (length(hash) = 32)
);

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
