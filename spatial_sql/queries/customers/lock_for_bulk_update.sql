-- Imports and re-geocoding change many customers at once: one at a time (held until the
-- transaction ends), or concurrent updates of the same rows could deadlock.
SELECT pg_advisory_xact_lock(727002)
