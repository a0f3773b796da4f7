-- The area customers may be in: the extent of every loaded city (ref.datasets.extent, the
-- envelope of its streets) grown by margin_m metres (GEOCRM_EXTENT_MARGIN_KM), as one
-- geometry; NULL when no city is loaded. Call it once per statement: in a MATERIALIZED CTE
-- or as a scalar subquery ((SELECT ref.city_area(:margin_m))). A plain CTE or a subquery in
-- FROM is pulled up into the query and the function runs again for every row (20 times
-- slower); computed once, ST_Intersects tests every point against the same prepared
-- polygon.
CREATE OR REPLACE FUNCTION ref.city_area(margin_m double precision)
RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ST_Union(ST_Buffer(extent::geography, greatest(margin_m, 0))::geometry)
    FROM ref.datasets
    WHERE extent IS NOT NULL
$$;
COMMENT ON FUNCTION ref.city_area(double precision) IS 'The loaded cities'' extents grown by a margin in metres (NULL: no city loaded); outside it a customer is flagged outside_city.';

-- Is a point outside the area (ref.city_area)? Never for a point not placed, nor when no
-- city is loaded.
CREATE OR REPLACE FUNCTION crm.outside_city(point geometry, area geometry)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT point IS NOT NULL AND area IS NOT NULL AND NOT ST_Intersects(area, point)
$$;
COMMENT ON FUNCTION crm.outside_city(geometry, geometry) IS 'Whether a customer''s point lies outside ref.city_area() (false when not placed or no city loaded).';
