-- How an address is shown: "Street 5, 00100 Helsinki" (postcode and city when known).
-- One definition, so that the importer and a manual pin label a point the same way.
CREATE OR REPLACE FUNCTION ref.address_label(street text, housenumber text, postcode text,
                                             city text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT street || ' ' || housenumber
           || coalesce(', ' || nullif(concat_ws(' ', postcode, city), ''), '')
$$;
COMMENT ON FUNCTION ref.address_label(text, text, text, text) IS 'Display label of an address: street, number, postcode and city.';
