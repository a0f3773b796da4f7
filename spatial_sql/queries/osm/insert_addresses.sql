-- Staged addresses -> ref.addresses, with the street's Swedish name taken from the streets
-- (the most common OSM name:sv among the edges carrying that Finnish name).
WITH sv AS (
    SELECT DISTINCT ON (name_fi) name_fi, name_sv
    FROM ref.streets
    WHERE dataset_id = :dataset_id AND name_fi IS NOT NULL AND name_sv IS NOT NULL
    GROUP BY name_fi, name_sv
    ORDER BY name_fi, count(*) DESC, name_sv
)
INSERT INTO ref.addresses (dataset_id, source, osm_type, osm_id, street, street_sv, housenumber,
                           postcode, city, geom)
SELECT :dataset_id, a.source, a.osm_type, a.osm_id, btrim(a.street), sv.name_sv,
       btrim(a.housenumber), a.postcode, a.city,
       ST_PointOnSurface(ST_MakeValid(ST_SetSRID(a.geom, 4326)))
FROM stage_addresses a
LEFT JOIN sv ON sv.name_fi = btrim(a.street)
WHERE NOT ST_IsEmpty(a.geom)
