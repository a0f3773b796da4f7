-- Staging for the demo's reps and stores (upserted by external id).
CREATE TEMP TABLE stage_reps (
    external_id text, name text, email text, region text, home_address text,
    home_base geometry, source text
) ON COMMIT DROP;
CREATE TEMP TABLE stage_stores (
    external_id text, name text, region text, size_m2 float8, attractiveness float8,
    opened_on date, address text, geom geometry, source text
) ON COMMIT DROP;
