-- 0081: TAXII date_added per lineage.
--
-- 0080 made an object its id AND its creating org, so two orgs may hold
-- the same (id, modified). object_added (0060) keyed versions by
-- (id, modified) alone; it now names the creator too, so each lineage's
-- version gets its own date_added. Every row so far belongs to exactly one
-- stored version, so the backfill is exact.
--
-- No compat line: binaries older than this write object_added rows
-- without a creator.
ALTER TABLE object_added ADD COLUMN created_by text;
UPDATE object_added a SET created_by = o.created_by
FROM objects o WHERE o.id = a.id AND o.modified = a.modified;
ALTER TABLE object_added ALTER COLUMN created_by SET NOT NULL;
ALTER TABLE object_added DROP CONSTRAINT object_added_id_modified_key;
ALTER TABLE object_added ADD UNIQUE (id, modified, created_by);
