-- The process running an import holds this lock (727014 = geocrm.ingest.jobs.JOB_LOCK) on
-- its progress connection until the job is done: crm.import_job_running() checks it. A try:
-- a second tracker of the same job never waits (the first one holds it, which suffices).
-- (psycopg placeholders: run on the tracker's plain connection)
SELECT pg_try_advisory_lock(727014, CAST(%(import_id)s AS integer))
