-- The recovery is done (see recovery_lock.sql).
SELECT pg_advisory_unlock(727015)
