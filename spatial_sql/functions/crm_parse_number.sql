-- A number as people type it in a file ("1234.5", "1234,5", "-3"), else NULL. At most 30
-- characters, so that any result also fits a float8 (a longer one is "not a number" rather
-- than an overflow that would abort a whole import). A length test, not a bounded regex
-- repetition: the latter is several times slower per row. Inlined by the planner.
CREATE OR REPLACE FUNCTION crm.parse_number(value text)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN length(value) <= 30 AND value ~ '^-?\d+([.,]\d+)?$'
                THEN replace(value, ',', '.')::numeric END
$$;
COMMENT ON FUNCTION crm.parse_number(text) IS 'Parse a typed number (dot or comma decimal), NULL when it is not one.';
