-- Which leads (lead_keys) are customers already, and by which rule (lead_matches):
--   name     the same normalised name within :name_within_m metres;
--   address  the same street and number (normalised) as a business customer's, typed or
--            as geocoded, where that address is of this lead alone (a person living in
--            the building is not the business; in a building of many businesses, the
--            address does not say which one);
--   phone, website, email  the same key (spatial_sql/functions/leads_match_keys.sql)
--            where both sides have one; hosts many businesses share (:shared_hosts) say
--            nothing and are skipped.
-- The customer a lead became when it was assigned (crm.lead_status.customer_id) is that
-- lead itself, not a duplicate: it never removes it. :import_id (else NULL): only the
-- customers that import wrote.
CREATE TEMP TABLE lead_matches ON COMMIT DROP AS
WITH customer_keys AS MATERIALIZED (
    SELECT c.customer_id, c.kind, c.geom,
           nullif(crm.search_normalize(c.name), '') AS name_key,
           crm.address_key(c.address) AS typed_address_key,
           crm.address_key(c.geocoded_address) AS geocoded_address_key,
           crm.phone_key(c.phone) AS phone_key, crm.website_key(c.website) AS website_key,
           crm.email_key(c.email) AS email_key
    FROM crm.customers c
    WHERE CAST(:import_id AS bigint) IS NULL OR c.last_import_id = CAST(:import_id AS bigint)
), lone_addresses AS (
    SELECT address_key FROM lead_keys WHERE address_key IS NOT NULL
    GROUP BY address_key HAVING count(*) = 1
), found AS (
    SELECT l.lead_id, c.customer_id, 'name'::text AS rule
    FROM lead_keys l JOIN customer_keys c ON c.name_key = l.name_key
    WHERE ST_DWithin(l.geom::geography, c.geom::geography, CAST(:name_within_m AS float8))
    UNION ALL
    SELECT l.lead_id, c.customer_id, 'address'
    FROM lead_keys l
    JOIN lone_addresses u ON u.address_key = l.address_key
    JOIN customer_keys c ON c.kind = 'business'
        AND l.address_key IN (c.typed_address_key, c.geocoded_address_key)
    UNION ALL
    SELECT l.lead_id, c.customer_id, 'phone'
    FROM lead_keys l JOIN customer_keys c ON c.phone_key = l.phone_key
    UNION ALL
    SELECT l.lead_id, c.customer_id, 'website'
    FROM lead_keys l JOIN customer_keys c ON c.website_key = l.website_key
    WHERE NOT l.website_key = ANY (CAST(:shared_hosts AS text[]))
    UNION ALL
    SELECT l.lead_id, c.customer_id, 'email'
    FROM lead_keys l JOIN customer_keys c ON c.email_key = l.email_key
)
SELECT f.lead_id, f.customer_id, f.rule
FROM found f
WHERE NOT EXISTS (SELECT 1 FROM crm.lead_status s
                  WHERE s.lead_id = f.lead_id AND s.customer_id = f.customer_id)
