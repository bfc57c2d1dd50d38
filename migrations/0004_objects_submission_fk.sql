-- 0004: drop the foreign key from objects to submissions.
--
-- Ingest writes a submission row and its object versions in one
-- transaction, and nothing deletes either, so the key guarded nothing the
-- write path does not already guarantee; its per-row check (a SELECT … FOR
-- KEY SHARE on submissions for every object) cost a fifth of the objects
-- insert. The same reasoning dropped the observables and events keys in
-- 0002. Provenance still joins objects.submission to submissions.id.
ALTER TABLE objects DROP CONSTRAINT IF EXISTS objects_submission_fkey;
