-- One recovery at a time (geocrm.pipeline.recover): the session lock 727015, tried, never
-- waited for: several workers starting at once, only the first does the work.
SELECT pg_try_advisory_lock(727015)
