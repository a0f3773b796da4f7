-- Text for a CSV a person opens in a spreadsheet: a value starting = + - @ tab or CR gets a
-- leading quote (OWASP's CSV injection rule, as geocrm.csvsafe does in Python), unless it
-- reads as a plain number. Inlined by the planner.
CREATE OR REPLACE FUNCTION crm.csv_text(value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN left(value, 1) IN ('=', '+', '-', '@', E'\t', E'\r')
                     AND value !~ '^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$'
                THEN '''' || value ELSE value END
$$;
COMMENT ON FUNCTION crm.csv_text(text) IS 'A CSV cell a spreadsheet will not run as a formula.';
