-- The audience of an area (:wkb, WKB in lon/lat) under the filter document :filter, for
-- the transaction's user (crm.audience_counts): customers (stage <> 'prospect'), prospects
-- and their annual revenue. Without the k-rule: exactly the customers whose point
-- intersects the area (crm.customers_in, one GiST index scan of crm.customers.geom; PostGIS
-- prepares the area once); under it, the user's own exactly and the others from whole
-- cells, with suppressed_cells.
SELECT a.customers, a.prospects, a.total, a.revenue, a.suppressed_cells
FROM crm.audience_counts(ST_GeomFromWKB(:wkb, 4326), CAST(:filter AS jsonb)) a
