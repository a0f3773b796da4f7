-- The cached hotspot result of the transaction's view of the cube for a measure, resolution,
-- filters, permutations, seed and data versions (row-level security: only one's own view).
SELECT run_id, scope_key, cells, seconds, computed_at
FROM cube.hotspot_runs
WHERE scope_key = cube.hotspot_scope_key()
  AND measure = :measure AND res = :res
  AND filters = cube.hotspot_filter_key(CAST(:filters AS jsonb))
  AND permutations = :permutations AND seed = :seed AND versions = :versions
