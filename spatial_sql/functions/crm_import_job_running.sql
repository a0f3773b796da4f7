-- Is the process that runs an import alive? It holds the session advisory lock
-- (727014, import_id) from start to finish (geocrm.ingest.JobProgress); the lock goes with
-- its database session when the process dies, however it dies.
CREATE OR REPLACE FUNCTION crm.import_job_running(import_id bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND CAST(l.classid AS bigint) = 727014
          AND CAST(l.objid AS bigint) = import_id)
$$;
COMMENT ON FUNCTION crm.import_job_running(bigint) IS 'Whether the process running this import is alive (it holds the advisory lock 727014, import_id).';
