-- 0002: what ingest needs beyond 0001.

-- object_creators records, once per object id, the org that created the
-- object. Its primary key is what makes "only the creating org may add
-- versions" race-free: two orgs inserting the first version of the same id
-- at once conflict here, the second waits for the first to commit and then
-- sees the first one's org.
CREATE TABLE object_creators (
    id          text PRIMARY KEY,
    created_by  text NOT NULL
);

INSERT INTO object_creators (id, created_by)
SELECT DISTINCT ON (id) id, created_by FROM objects ORDER BY id, received, modified;

-- observables and events are written only by ingest, in the transaction
-- that writes their object version, and nothing deletes object versions.
-- Their foreign keys to objects therefore guard nothing the write path
-- does not already guarantee, while their per-row triggers (a
-- SELECT … FOR KEY SHARE on objects for every row) doubled the cost of
-- appending a bundle's observables and events.
ALTER TABLE observables DROP CONSTRAINT IF EXISTS observables_object_id_modified_fkey;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_object_id_modified_fkey;
