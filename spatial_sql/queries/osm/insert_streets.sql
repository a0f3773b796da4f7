-- Staged network nodes and edges -> ref.street_nodes, ref.streets.
WITH nodes AS (
    INSERT INTO ref.street_nodes (dataset_id, network, node_id, geom)
    SELECT DISTINCT ON (network, node_id) :dataset_id, network, node_id, ST_SetSRID(geom, 4326)
    FROM stage_street_nodes
    ORDER BY network, node_id
)
INSERT INTO ref.streets (dataset_id, network, osm_id, u, v, name_fi, name_sv, highway, oneway,
                         maxspeed, length_m, geom)
SELECT :dataset_id, network, osm_id, u, v, name_fi, name_sv, highway, oneway, maxspeed,
       length_m, ST_SetSRID(geom, 4326)
FROM stage_streets
