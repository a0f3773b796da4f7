-- Keep a hotspot result for the transaction's view of the cube; nothing when another
-- request kept the same one meanwhile (then read that one).
INSERT INTO cube.hotspot_runs (scope_key, measure, res, filters, permutations, seed, versions,
                               cells, seconds)
VALUES (cube.hotspot_scope_key(), :measure, :res, cube.hotspot_filter_key(CAST(:filters AS jsonb)),
        :permutations, :seed,
        :versions, :cells, :seconds)
ON CONFLICT DO NOTHING
RETURNING run_id, scope_key, computed_at
