-- The loaded city to geocode against: by name, or the most recently loaded one when :name
-- is NULL; loaded_at tells a cached geocoder whether the city was re-loaded since.
SELECT dataset_id, name, loaded_at
FROM ref.datasets
WHERE name = :name OR CAST(:name AS text) IS NULL
ORDER BY loaded_at DESC
LIMIT 1
