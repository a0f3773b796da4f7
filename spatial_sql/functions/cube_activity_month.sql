-- The month an interaction counts in for the cube's month-of-activity dimension: the first
-- day of its calendar month in UTC. One definition for the cube build, the month filter,
-- tile queries and tests (cube.activity_facts.month).
CREATE OR REPLACE FUNCTION cube.activity_month(occurred_at timestamptz)
RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date $$;
COMMENT ON FUNCTION cube.activity_month(timestamptz) IS 'Month of activity of an interaction (first day of its month, UTC), as stored in cube.activity_facts.month.';
