-- A loaded city by name, or the most recently loaded one when :name is NULL: its id, name,
-- load time (a re-load changes it) and extent (WKB).
SELECT dataset_id, name, loaded_at, ST_AsBinary(extent) AS extent
FROM ref.datasets
WHERE name = :name OR CAST(:name AS text) IS NULL
ORDER BY loaded_at DESC
LIMIT 1
