-- Account search for reps: customers found by a part of their name or address, ignoring
-- case and accents (Lönnrotinkatu = lonnrotinkatu), tolerant of typos (trigram similarity).
-- pg_trgm and unaccent are PostgreSQL contrib extensions (trusted: a database owner may
-- create them).
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

-- The normal form text is searched in: lower case, no accents, every run of punctuation
-- and spaces one space. unaccent() is only STABLE (its dictionary could change); with the
-- dictionary named it is safe to call IMMUTABLE, which an index expression needs. PL/pgSQL
-- (its plan is cached) and a high COST, so that the planner prefers the index to calling
-- it on every row.
CREATE FUNCTION crm.search_normalize(value text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 200
AS $$
BEGIN
    RETURN btrim(regexp_replace(
        lower(public.unaccent('public.unaccent'::regdictionary, value)),
        '[^[:alnum:]]+', ' ', 'g'));
END $$;
COMMENT ON FUNCTION crm.search_normalize(text) IS 'Search normal form: lower case, unaccented, punctuation and spaces collapsed to one space.';

-- What a customer is found by: its name, its address as typed and the address the
-- geocoder matched (the typed one may be abbreviated or misspelt). Only immutable
-- operators (|| rather than the stable concat_ws), so that the planner inlines it and a
-- query's expression matches the index's.
CREATE FUNCTION crm.customer_search_text(name text, address text, geocoded_address text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT crm.search_normalize(
        coalesce(name, '') || ' ' || coalesce(address, '') || ' ' || coalesce(geocoded_address, ''))
$$;
COMMENT ON FUNCTION crm.customer_search_text(text, text, text) IS 'The searchable text of a customer (name, address, geocoded address) in search normal form.';

CREATE INDEX customers_search_trgm ON crm.customers
    USING gin (crm.customer_search_text(name, address, geocoded_address) gin_trgm_ops);
