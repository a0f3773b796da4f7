-- The audience of an area (:wkb, WKB in lon/lat) under the filter document :filter
-- (crm.customers_in: the customers whose point intersects the area, matching the cube's
-- dimensions): customers (stage <> 'prospect'), prospects and their annual revenue. One
-- GiST index scan of crm.customers.geom; PostGIS prepares the area once.
SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
       count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
       count(*) AS total,
       coalesce(sum(c.annual_revenue), 0) AS revenue
FROM crm.customers_in(ST_GeomFromWKB(:wkb, 4326), CAST(:filter AS jsonb)) c
