-- The import's valid rows whose point lies outside the loaded cities (kept, flagged).
SELECT count(*) FROM stage_final WHERE outside_city
