-- The placed customers' points, indexed, for the name rule's "a customer within 50 m" of
-- leads_keys_*.sql: read once (under row-level security when the app's role runs it, where
-- a per-lead lookup in crm.customers could not use its index), then probed per lead.
SET LOCAL jit = off;
DROP TABLE IF EXISTS lead_customer_points;
CREATE TEMP TABLE lead_customer_points ON COMMIT DROP AS
SELECT geom FROM crm.customers WHERE geom IS NOT NULL;
CREATE INDEX ON lead_customer_points USING gist (geom);
ANALYZE lead_customer_points;
