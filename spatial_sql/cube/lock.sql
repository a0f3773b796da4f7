-- One writer of the cube at a time (a build or a refresh; held until the transaction ends):
-- two refreshes of the same cell would each insert its facts.
SELECT pg_advisory_xact_lock(727003)
