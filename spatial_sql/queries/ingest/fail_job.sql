-- Mark an import failed, keeping the reason its own run recorded if it got that far.
UPDATE crm.import_jobs
SET status = 'failed', error = coalesce(error, :error), phase = NULL,
    finished_at = coalesce(finished_at, now())
WHERE import_id = :import_id AND status <> 'succeeded'
