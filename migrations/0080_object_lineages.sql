-- 0080: an object is its id AND its creating org.
--
-- Until now the first org to store an id owned it: another org's version
-- of the same id was refused with 403, even when the first org's objects
-- were invisible to it. That refusal was an existence oracle (observable
-- ids are deterministic, so anyone could ask "does some org hold this IP
-- at TLP:RED?"), and identical observables submitted by several orgs
-- could not all be stored. Now every (id, created_by) pair is a lineage of
-- its own: ingest checks a version only against the submitting org's own
-- versions of that id, and the read paths serve each visible lineage.
--
-- No compat line: binaries built for earlier schemas claim ids with
-- ON CONFLICT (id) on object_creators and write observables without their
-- creator, so they cannot serve this schema (jag migrate with the new
-- binary, then replace the old replicas).

-- Versions: one per (id, modified) per creator. The key starts with
-- (id, modified) so reads by id and version keep their index prefix.
ALTER TABLE objects DROP CONSTRAINT objects_pkey;
ALTER TABLE objects ADD PRIMARY KEY (id, modified, created_by);

-- Lineages: one row per (id, creator); its key serialises concurrent
-- first versions of the same lineage (the second waits, then sees it).
ALTER TABLE object_creators DROP CONSTRAINT object_creators_pkey;
ALTER TABLE object_creators ADD PRIMARY KEY (id, created_by);

-- Observables name the lineage of their version. Every existing version
-- had exactly one creator, so the backfill is exact.
ALTER TABLE observables ADD COLUMN created_by text;
UPDATE observables ob SET created_by = o.created_by
FROM objects o WHERE o.id = ob.object_id AND o.modified = ob.modified;
ALTER TABLE observables ALTER COLUMN created_by SET NOT NULL;
