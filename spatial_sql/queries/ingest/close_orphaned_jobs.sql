-- The recovery's first step: imports whose process is gone (no lock, crm.import_job_running).
-- Those that had not committed are recorded as failed (PostgreSQL rolled them back: nothing
-- of them was kept) and returned as 'failed'; those that had, and those whose cube refresh
-- failed ('interrupted'), are returned as 'kept': the recovery finishes their work, then
-- them (finish_jobs.sql).
WITH failed AS (
    UPDATE crm.import_jobs j
    SET status = 'failed', phase = NULL, finished_at = now(),
        error = coalesce(error, 'interrupted: nothing of it was kept; run it again')
    WHERE j.status = 'running' AND j.phase IS DISTINCT FROM 'updating the hex cube'
      AND NOT crm.import_job_running(j.import_id)
    RETURNING j.import_id
)
SELECT import_id, 'failed' AS outcome FROM failed
UNION ALL
SELECT j.import_id, 'kept'
FROM crm.import_jobs j
WHERE (j.status = 'interrupted' OR (j.status = 'running' AND j.phase = 'updating the hex cube'))
  AND NOT crm.import_job_running(j.import_id)
ORDER BY 1
