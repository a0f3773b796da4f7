-- The loaded city the network layers are computed for: by name, or the most recently
-- loaded one when :name is NULL; its extent (WKB) is polyfilled for the Huff model.
SELECT dataset_id, name, ST_AsBinary(extent) AS extent_wkb
FROM ref.datasets
WHERE name = :name OR CAST(:name AS text) IS NULL
ORDER BY loaded_at DESC
LIMIT 1
