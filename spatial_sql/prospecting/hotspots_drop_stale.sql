-- Results of the same question for the transaction's view computed from older data
-- versions: no request asks for them again (their cells go with them).
DELETE FROM cube.hotspot_runs
WHERE scope_key = cube.hotspot_scope_key()
  AND measure = :measure AND res = :res
  AND filters = cube.hotspot_filter_key(CAST(:filters AS jsonb))
  AND permutations = :permutations AND seed = :seed AND versions <> :versions
