-- The settings of one leads build (or refresh) of a loaded city, as a one-row temp table
-- that the other leads_*.sql steps read (CROSS JOIN lead_build): the rules of
-- data/prospecting/leads.toml, and the locally scaled plane of the city (lon x cos(lat),
-- lat; 1 unit = 111,320 m), in which nearest-neighbour work is plain planar arithmetic
-- (as spatial_sql/enrich/customer_points.sql does for customers).
CREATE TEMP TABLE lead_build ON COMMIT DROP AS
SELECT d.dataset_id,
       cos(radians(coalesce(ST_Y(ST_Centroid(d.extent)), 0))) AS kx,
       CAST(:poi_kinds AS text[]) AS poi_kinds,
       CAST(:poi_excluded AS text[]) AS poi_excluded,
       CAST(:building_classes AS text[]) AS building_classes,
       CAST(:default_levels AS integer) AS default_levels,
       CAST(:address_within_m AS float8) / 111320 AS address_reach,
       CAST(:building_within_m AS float8) / 111320 AS building_reach,
       CAST(:footfall_within_m AS float8) / 111320 AS footfall_reach,
       CAST(:huff_res AS integer) AS huff_res
FROM ref.datasets d
WHERE d.dataset_id = :dataset_id
