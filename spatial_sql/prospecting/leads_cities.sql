-- The loaded cities (all, or the one named), for a build.
SELECT dataset_id, name FROM ref.datasets
WHERE CAST(:name AS text) IS NULL OR name = CAST(:name AS text)
ORDER BY dataset_id
