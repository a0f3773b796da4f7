-- Row counts and the file's census (objects per kind in the file) of one dataset; land
-- cover by kind, the sea (built from the coastline) apart from the water OSM draws.
UPDATE ref.datasets d
SET counts = jsonb_build_object(
        'buildings', (SELECT count(*) FROM ref.buildings WHERE dataset_id = d.dataset_id),
        'pois', (SELECT count(*) FROM ref.pois WHERE dataset_id = d.dataset_id),
        'addresses', (SELECT count(*) FROM ref.addresses WHERE dataset_id = d.dataset_id),
        'places', (SELECT count(*) FROM ref.places WHERE dataset_id = d.dataset_id),
        'walk_edges', (SELECT count(*) FROM ref.streets WHERE dataset_id = d.dataset_id AND network = 'walk'),
        'drive_edges', (SELECT count(*) FROM ref.streets WHERE dataset_id = d.dataset_id AND network = 'drive'),
        'walk_nodes', (SELECT count(*) FROM ref.street_nodes WHERE dataset_id = d.dataset_id AND network = 'walk'),
        'drive_nodes', (SELECT count(*) FROM ref.street_nodes WHERE dataset_id = d.dataset_id AND network = 'drive'),
        'census', CAST(:census AS jsonb))
    || (SELECT jsonb_build_object(
            'water', count(*) FILTER (WHERE kind = 'water' AND osm_type <> 'coastline'),
            'park', count(*) FILTER (WHERE kind = 'park'),
            'landuse', count(*) FILTER (WHERE kind = 'landuse'),
            'sea', count(*) FILTER (WHERE osm_type = 'coastline'))
        FROM ref.land_cover WHERE dataset_id = d.dataset_id)
WHERE d.dataset_id = :dataset_id
RETURNING counts
