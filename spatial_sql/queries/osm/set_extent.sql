-- The dataset's extent: the envelope of its street network (land cover is clipped to it).
UPDATE ref.datasets d
SET extent = (SELECT ST_Envelope(ST_Collect(geom)) FROM ref.streets WHERE dataset_id = d.dataset_id)
WHERE d.dataset_id = :dataset_id
