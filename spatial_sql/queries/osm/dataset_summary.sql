-- Row counts, the file's census (objects per kind in the file) and extent of one dataset.
UPDATE ref.datasets d
SET counts = jsonb_build_object(
        'buildings', (SELECT count(*) FROM ref.buildings WHERE dataset_id = d.dataset_id),
        'pois', (SELECT count(*) FROM ref.pois WHERE dataset_id = d.dataset_id),
        'addresses', (SELECT count(*) FROM ref.addresses WHERE dataset_id = d.dataset_id),
        'walk_edges', (SELECT count(*) FROM ref.streets WHERE dataset_id = d.dataset_id AND network = 'walk'),
        'drive_edges', (SELECT count(*) FROM ref.streets WHERE dataset_id = d.dataset_id AND network = 'drive'),
        'walk_nodes', (SELECT count(*) FROM ref.street_nodes WHERE dataset_id = d.dataset_id AND network = 'walk'),
        'drive_nodes', (SELECT count(*) FROM ref.street_nodes WHERE dataset_id = d.dataset_id AND network = 'drive'),
        'census', CAST(:census AS jsonb)),
    extent = (SELECT ST_Envelope(ST_Collect(geom)) FROM ref.streets WHERE dataset_id = d.dataset_id)
WHERE d.dataset_id = :dataset_id
RETURNING counts
