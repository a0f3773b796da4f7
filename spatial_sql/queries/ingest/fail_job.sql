-- Record that an import failed, keeping the reason its own run recorded if it got that far.
-- One that had committed (phase 'updating the hex cube') was kept: it is 'interrupted'
-- (its enrichment and cube refresh are left for the recovery), never 'failed'.
UPDATE crm.import_jobs
SET status = CASE WHEN phase = 'updating the hex cube' THEN 'interrupted' ELSE 'failed' END,
    error = coalesce(error, :error),
    phase = CASE WHEN phase = 'updating the hex cube' THEN phase END,
    finished_at = CASE WHEN phase = 'updating the hex cube' THEN NULL
                       ELSE coalesce(finished_at, now()) END
WHERE import_id = :import_id AND status NOT IN ('succeeded', 'interrupted')
