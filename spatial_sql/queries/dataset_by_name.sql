-- A loaded city by name, or the most recently loaded one when :name is NULL.
SELECT dataset_id, name
FROM ref.datasets
WHERE name = :name OR CAST(:name AS text) IS NULL
ORDER BY loaded_at DESC
LIMIT 1
