-- 0060: TAXII 2.1 date_added.
--
-- object_added gives every object version its TAXII date_added: unique and
-- strictly increasing in commit order. Ingest assigns it under the feed
-- append lock (hub/postgres events.go), in the same serialised section and
-- row order as the event seq, as max(previous + 1 µs, clock_timestamp()):
-- a transaction that commits late also draws its date_added late, so a
-- client polling with added_after = the last date_added it saw never skips
-- a version committed after its poll. Unlike events, these rows are never
-- purged: date_added lasts as long as the version.
--
-- No compat line: a binary older than this migration would store versions
-- without a date_added, which TAXII readers would then never see, so it
-- must not serve this schema.
CREATE TABLE object_added (
    date_added  timestamptz PRIMARY KEY,
    id          text        NOT NULL,
    modified    text        NOT NULL,
    UNIQUE (id, modified)
);

-- Versions stored before this migration, in the order they were received
-- (then in feed order): received + n µs is strictly increasing in that
-- order because received never decreases along it.
INSERT INTO object_added (date_added, id, modified)
SELECT o.received + row_number() OVER w * interval '1 microsecond', o.id, o.modified
FROM objects o
LEFT JOIN events e ON e.object_id = o.id AND e.modified = o.modified
WINDOW w AS (ORDER BY o.received, e.seq NULLS FIRST, o.id, o.modified);
