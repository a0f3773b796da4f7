-- Nodes of one stored street network.
SELECT node_id, ST_X(geom) AS x, ST_Y(geom) AS y
FROM ref.street_nodes
WHERE dataset_id = :dataset_id AND network = :network
ORDER BY node_id
