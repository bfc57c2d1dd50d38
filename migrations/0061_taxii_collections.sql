-- 0061: TAXII 2.1 collections and status resources.
-- compat: 60

-- A collection is a named view over the store (hub.Collection): a filter
-- and the token scopes that may read and write it. Every reader still
-- sees only what jag_visible lets it see; the built-in default collection
-- ("everything you may see") is not stored.
CREATE TABLE taxii_collections (
    id              text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    alias           text        UNIQUE CHECK (alias ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    title           text        NOT NULL CHECK (title <> ''),
    description     text        NOT NULL DEFAULT '',
    types           text[]      NOT NULL DEFAULT '{}',
    labels          text[]      NOT NULL DEFAULT '{}',
    creators        text[]      NOT NULL DEFAULT '{}',
    max_tlp         text        CHECK (max_tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    min_confidence  smallint    CHECK (min_confidence BETWEEN 0 AND 100),
    read_scopes     text[]      NOT NULL CHECK (cardinality(read_scopes) > 0),
    write_scopes    text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- The status resource of one TAXII POST of objects, readable by the
-- posting org from any replica until expires; expired rows are purged.
CREATE TABLE taxii_status (
    id          uuid        PRIMARY KEY,
    org         text        NOT NULL,
    collection  text        NOT NULL,
    requested   timestamptz NOT NULL,
    expires     timestamptz NOT NULL,
    successes   jsonb       NOT NULL,
    failures    jsonb       NOT NULL,
    pendings    jsonb       NOT NULL
);
CREATE INDEX taxii_status_expires ON taxii_status (expires);
