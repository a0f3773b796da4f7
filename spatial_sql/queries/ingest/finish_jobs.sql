-- The recovery has finished the enrichment and cube refresh of these kept imports (see
-- close_orphaned_jobs.sql): they succeeded. A job some live process took over meanwhile
-- is left to it.
UPDATE crm.import_jobs j
SET status = 'succeeded', phase = NULL, error = NULL, finished_at = now()
WHERE j.import_id = ANY (CAST(:ids AS bigint[]))
  AND j.status IN ('running', 'interrupted')
  AND NOT crm.import_job_running(j.import_id)
