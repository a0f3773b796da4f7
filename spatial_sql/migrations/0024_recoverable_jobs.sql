-- Post-commit work that survives a crash: an import job says whether its work is finished.
--
-- An import commits its customers and its job's counts (phase 'updating the hex cube') in
-- one transaction; the enrichment of its new and moved customers and the hex cube refresh
-- follow. What they still have to do is in the data itself (customers without an
-- enrichment row, cells queued in cube.dirty_cells by triggers of the committing
-- transaction), so a crash loses none of it: `geocrm cube refresh` or the server's next
-- start (geocrm.pipeline.recover) finishes it and then the job.
--
-- The states of crm.import_jobs.status:
--   queued       created (the API answered with its id), not started;
--   running      importing (phase reading, validating, merging, geocoding, committing:
--                nothing is kept yet), or kept and being enriched (phase 'updating the hex
--                cube'); the process running it holds an advisory lock on it
--                (crm.import_job_running);
--   succeeded    kept, enriched and counted in the hex cube (finished_at set);
--   failed       nothing of it was kept (a bad file, an error, or killed before its commit:
--                the recovery records those as failed);
--   interrupted  kept, but its enrichment or cube refresh did not finish (the refresh
--                failed, or the process died after the commit: a running job without its
--                lock reads so too); the recovery finishes the work and marks it succeeded.
ALTER TABLE crm.import_jobs DROP CONSTRAINT import_jobs_status_check;
ALTER TABLE crm.import_jobs ADD CONSTRAINT import_jobs_status_check
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'interrupted'));
COMMENT ON COLUMN crm.import_jobs.status IS 'queued, running, succeeded (kept, enriched, in the hex cube), failed (nothing kept) or interrupted (kept; enrichment and cube refresh pending until `geocrm cube refresh` or the next server start); see migration 0024.';
