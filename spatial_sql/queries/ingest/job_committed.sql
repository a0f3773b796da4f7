-- In the import's own transaction, just before it commits: the job's counts and the phase
-- that follows the commit ('updating the hex cube', geocrm.ingest.CUBE_PHASE), so that the
-- customers and the record that they were kept commit together (a crash right after the
-- commit leaves an 'interrupted' job, never a 'failed' one that was kept).
UPDATE crm.import_jobs
SET phase = 'updating the hex cube', inserted = :inserted, updated = :updated,
    unchanged = :unchanged, rejected = :rejected, geocoded = :geocoded,
    not_geocoded = :not_geocoded, rejects_file = :rejects_file
WHERE import_id = :import_id
