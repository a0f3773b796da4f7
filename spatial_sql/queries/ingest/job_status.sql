-- An import's status. A 'running' job whose process is gone (crm.import_job_running: it
-- no longer holds its lock) was killed or crashed: before its commit PostgreSQL rolled it
-- back ('failed', nothing kept); in its last phase, 'updating the hex cube'
-- (geocrm.ingest.CUBE_PHASE), the import had committed and only its enrichment and cube
-- refresh were left ('interrupted': `geocrm cube refresh` or the server's start finishes
-- them and the job). The states are listed in migration 0024.
WITH job AS (
    SELECT j.*, j.status = 'running' AND NOT crm.import_job_running(j.import_id) AS orphaned
    FROM crm.import_jobs j
    WHERE j.import_id = :import_id
)
SELECT j.import_id, j.source_name, j.file_format,
       CASE WHEN NOT j.orphaned THEN j.status
            WHEN j.phase = 'updating the hex cube' THEN 'interrupted'
            ELSE 'failed' END AS status,
       CASE WHEN NOT j.orphaned THEN j.error
            WHEN j.phase = 'updating the hex cube'
            THEN 'interrupted after the import was kept: its enrichment and hex cube refresh '
                 'finish with `geocrm cube refresh` or at the next server start'
            ELSE 'interrupted: nothing of it was kept; run it again' END AS error,
       j.phase, j.rows_read, j.inserted, j.updated, j.unchanged, j.rejected, j.geocoded,
       j.not_geocoded, j.rejects_file, j.created_at, j.finished_at
FROM job j
