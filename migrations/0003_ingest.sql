-- 0003: what ingest needs beyond 0001.

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
