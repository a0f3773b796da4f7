-- One leads build (or refresh, or removal of customers' leads) at a time, to the commit.
SELECT pg_advisory_xact_lock(hashtext('geocrm.leads'))
