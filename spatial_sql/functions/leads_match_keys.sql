-- How a lead and a customer are recognised as the same business (issue 16, geocrm leads
-- build): normal forms of an address, a phone number, a web site and an e-mail address.
-- IMMUTABLE, so that they may be indexed and inlined. NULL when there is nothing to compare.

-- "Mannerheimintie 5 A, 00100 Helsinki" -> "mannerheimintie 5 a": the part before the first
-- comma (street and number), in the search normal form (case, accents, punctuation).
CREATE OR REPLACE FUNCTION crm.address_key(address text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT nullif(crm.search_normalize(split_part(address, ',', 1)), '') $$;
COMMENT ON FUNCTION crm.address_key(text) IS 'Street and number of an address in the search normal form (leads match customers on it).';

-- "+358 44 945 9423" and "044 945 9423" -> "449459423": the last 9 digits (a country code
-- or a trunk 0 in front does not matter); fewer than 6 digits is no phone number.
CREATE OR REPLACE FUNCTION crm.phone_key(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN length(regexp_replace(phone, '\D', '', 'g')) >= 6
                  THEN right(regexp_replace(phone, '\D', '', 'g'), 9) END $$;
COMMENT ON FUNCTION crm.phone_key(text) IS 'The last 9 digits of a phone number (NULL under 6 digits).';

-- "https://www.Example.fi/contact?x" -> "example.fi": the host, lower case, no scheme, no
-- www., no port, path or query.
CREATE OR REPLACE FUNCTION crm.website_key(website text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT nullif(regexp_replace(split_part(split_part(split_part(split_part(
                 regexp_replace(lower(btrim(website)), '^[a-z][a-z0-9+.-]*://', ''),
                 '/', 1), '?', 1), '#', 1), ':', 1), '^www\.', ''), '') $$;
COMMENT ON FUNCTION crm.website_key(text) IS 'Host name of a web site: lower case, without scheme, www., port or path.';

CREATE OR REPLACE FUNCTION crm.email_key(email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN position('@' IN email) > 1 THEN lower(btrim(email)) END $$;
COMMENT ON FUNCTION crm.email_key(text) IS 'An e-mail address in lower case (NULL if it has no @).';
