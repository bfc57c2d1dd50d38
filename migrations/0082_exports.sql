-- 0082: flat exports (GET /v1/exports/{format}).
-- Additive (two tables, a trigger on events that older binaries never
-- notice): binaries built for schema 81 keep serving.
-- compat: 81

-- Named export definitions: a short, stable URL (GET
-- /v1/exports/by-name/{name}) for an appliance. filter is the canonical
-- query string of the export filters (hub/export Filter.Query); what a
-- definition serves is always judged for the requesting viewer.
CREATE TABLE export_definitions (
    name        text        PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    format      text        NOT NULL CHECK (format IN ('ip', 'domain', 'url', 'sha256', 'sha1', 'md5', 'rpz', 'suricata', 'csv', 'stix')),
    filter      text        NOT NULL DEFAULT '' CHECK (length(filter) <= 8192),
    created_by  text        NOT NULL,           -- the admin principal's subject
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- export_positions keeps, per visibility class of indicator versions
-- (the arguments jag_visible reads from an object: tlp, recipients,
-- created_by), the feed position and receive time of the latest one. An
-- export's entity tag needs "the latest indicator version this viewer may
-- see"; over this small table that is one jag_visible scan, whatever the
-- size of the store and whatever the viewer may see — the one visibility
-- rule, never a second one.
--
-- The trigger runs inside the event append. Ingest appends under the
-- feed append lock (hub/postgres/events.go), held until COMMIT, so the
-- class row it updates adds no contention and no append ever waits for
-- it. An append made without that lock (only the feed's negative-control
-- test does that) must not wait on another transaction's class row
-- either: it adds a row of its own (serialised false), which the max
-- still counts.
CREATE TABLE export_positions (
    tlp           text        NOT NULL,
    recipients    text[],
    created_by    text        NOT NULL,
    max_seq       bigint      NOT NULL,
    max_received  timestamptz NOT NULL,
    serialised    boolean     NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX export_positions_class ON export_positions (tlp, recipients, created_by)
    NULLS NOT DISTINCT WHERE serialised;

CREATE FUNCTION jag_export_positions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_locks
               WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                 AND classid = 0 AND objid = 7364361 AND objsubid = 1) THEN
        INSERT INTO export_positions AS p (tlp, recipients, created_by, max_seq, max_received)
        SELECT o.tlp, o.recipients, o.created_by, max(n.seq), max(n.received)
        FROM new_events n
        JOIN objects o ON o.id = n.object_id AND o.modified = n.modified AND o.created_by = n.org
        WHERE o.type = 'indicator'
        GROUP BY o.tlp, o.recipients, o.created_by
        ON CONFLICT (tlp, recipients, created_by) WHERE serialised DO UPDATE
            SET max_seq = greatest(p.max_seq, excluded.max_seq),
                max_received = greatest(p.max_received, excluded.max_received);
    ELSE
        INSERT INTO export_positions (tlp, recipients, created_by, max_seq, max_received, serialised)
        SELECT o.tlp, o.recipients, o.created_by, max(n.seq), max(n.received), false
        FROM new_events n
        JOIN objects o ON o.id = n.object_id AND o.modified = n.modified AND o.created_by = n.org
        WHERE o.type = 'indicator'
        GROUP BY o.tlp, o.recipients, o.created_by;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_export_positions
    AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION jag_export_positions();

INSERT INTO export_positions (tlp, recipients, created_by, max_seq, max_received)
SELECT o.tlp, o.recipients, o.created_by, max(e.seq), max(e.received)
FROM events e
JOIN objects o ON o.id = e.object_id AND o.modified = e.modified AND o.created_by = e.org
WHERE o.type = 'indicator'
GROUP BY o.tlp, o.recipients, o.created_by;
