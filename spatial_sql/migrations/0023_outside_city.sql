-- Customers outside the loaded cities (issue 14): kept, but flagged, so that one point at
-- 0,0 or in another country never reaches the enrichment, the hex cube or a territory
-- design (an H3 line across a continent).
--
-- outside_city is true for a placed customer farther than GEOCRM_EXTENT_MARGIN_KM from
-- the extent of every loaded city (ref.datasets.extent), false otherwise (not placed, or no
-- city loaded: there is nothing to be outside of). It is written with the point, set-based,
-- by every writer (import, geocoding, manual pin; ref.city_area() in
-- spatial_sql/functions/city_extent.sql gives the area once per statement), and
-- re-evaluated for every customer when the cities change (`geocrm load-osm`, in its
-- transaction) and at the start of `geocrm enrich` (a changed margin): see
-- spatial_sql/queries/customers/flag_outside_city.sql. Not a generated column: it depends on
-- another table; not a row trigger: a million-row import would pay a lookup per row.
ALTER TABLE crm.customers ADD COLUMN outside_city boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN crm.customers.outside_city IS 'Placed farther than GEOCRM_EXTENT_MARGIN_KM from every loaded city''s extent: kept, listed by geocoding-issues, left out of enrichment, the hex cube and territory design.';
-- few rows: counting and listing them reads this index only
CREATE INDEX customers_outside_city_idx ON crm.customers (customer_id) WHERE outside_city;

-- Flag the customers already outside (the default margin, 10 km; `geocrm enrich` applies
-- the configured one) and drop their enrichment: the triggers queue their cube cells.
WITH area AS MATERIALIZED (  -- computed once, not once a row
    SELECT ST_Union(ST_Buffer(extent::geography, 10000)::geometry) AS geom
    FROM ref.datasets WHERE extent IS NOT NULL
), flagged AS (
    UPDATE crm.customers c SET outside_city = true
    FROM area
    WHERE area.geom IS NOT NULL AND c.geom IS NOT NULL AND NOT ST_Intersects(area.geom, c.geom)
    RETURNING c.customer_id
)
DELETE FROM crm.customer_enrichment e USING flagged f WHERE e.customer_id = f.customer_id;
