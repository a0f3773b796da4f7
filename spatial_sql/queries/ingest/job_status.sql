-- An import's status; 'running' whose database session is gone means it was interrupted
-- (killed or crashed): PostgreSQL rolled its transaction back. Unless it was already in
-- its last phase, 'updating the hex cube' (geocrm.ingest.CUBE_PHASE): the import had
-- committed, only the derived data was being brought up to date (queued for next time).
SELECT j.import_id, j.source_name, j.file_format,
       CASE WHEN j.status <> 'running' OR EXISTS (
                SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.backend_pid)
            THEN j.status
            WHEN j.phase = 'updating the hex cube' THEN 'succeeded'
            ELSE 'failed' END AS status,
       CASE WHEN j.status <> 'running' OR EXISTS (
                SELECT 1 FROM pg_stat_activity a WHERE a.pid = j.backend_pid)
            THEN j.error
            WHEN j.phase = 'updating the hex cube' THEN NULL
            ELSE 'interrupted: nothing of it was kept; run it again' END AS error,
       j.phase, j.rows_read, j.inserted, j.updated, j.unchanged, j.rejected, j.geocoded,
       j.not_geocoded, j.rejects_file, j.created_at, j.finished_at
FROM crm.import_jobs j
WHERE j.import_id = :import_id
