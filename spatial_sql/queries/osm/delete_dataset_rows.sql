-- Remove every city row of one dataset (within the load's transaction).
WITH b AS (DELETE FROM ref.buildings WHERE dataset_id = :dataset_id),
     p AS (DELETE FROM ref.pois WHERE dataset_id = :dataset_id),
     a AS (DELETE FROM ref.addresses WHERE dataset_id = :dataset_id),
     s AS (DELETE FROM ref.streets WHERE dataset_id = :dataset_id),
     l AS (DELETE FROM ref.land_cover WHERE dataset_id = :dataset_id),
     pl AS (DELETE FROM ref.places WHERE dataset_id = :dataset_id)
DELETE FROM ref.street_nodes WHERE dataset_id = :dataset_id
