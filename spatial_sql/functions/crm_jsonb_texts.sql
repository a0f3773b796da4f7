-- A filter value of a saved filters object (jsonb) as an array: absent or null -> NULL (no
-- filter), a scalar -> one element, an array -> its elements. Saved target-zone filters are
-- validated lists ({"stage": ["client"], "rep_id": [3]}); this also reads a bare scalar.
CREATE OR REPLACE FUNCTION crm.jsonb_texts(value jsonb)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN value IS NULL OR jsonb_typeof(value) = 'null' THEN NULL
        WHEN jsonb_typeof(value) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(value))
        ELSE ARRAY[value #>> '{}'] END
$$;
COMMENT ON FUNCTION crm.jsonb_texts(jsonb) IS 'A jsonb filter value as text[] (NULL when absent).';
