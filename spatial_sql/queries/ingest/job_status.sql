-- An import's status; 'running' whose database session is gone means it was interrupted
-- (killed or crashed): PostgreSQL rolled its transaction back.
SELECT j.import_id, j.source_name, j.file_format,
       CASE WHEN j.status = 'running' AND NOT EXISTS (
                SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.backend_pid)
            THEN 'failed' ELSE j.status END AS status,
       CASE WHEN j.status = 'running' AND NOT EXISTS (
                SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.backend_pid)
            THEN 'interrupted: nothing of it was kept; run it again' ELSE j.error END AS error,
       j.phase, j.rows_read, j.inserted, j.updated, j.unchanged, j.rejected, j.geocoded,
       j.not_geocoded, j.rejects_file, j.created_at, j.finished_at
FROM crm.import_jobs j
WHERE j.import_id = :import_id
