-- A loaded city's id, name, load time and extent (WKB).
SELECT dataset_id, name, loaded_at, ST_AsBinary(extent) AS extent
FROM ref.datasets
WHERE name = :name OR CAST(:name AS text) IS NULL
ORDER BY loaded_at DESC
LIMIT 1
