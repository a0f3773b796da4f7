-- What a build's leads (lead_rows) are recognised by (leads_match.sql). A key is computed
-- only where a customer could match on it (normalising a million names costs a minute):
-- the name of a lead with a customer within :name_within_m metres (leads_customer_points),
-- the address when some business customer exists, a phone / web site / e-mail when some
-- customer has one.
CREATE TEMP TABLE lead_keys ON COMMIT DROP AS
SELECT r.lead_id, r.geom,
       CASE WHEN EXISTS (
                SELECT 1 FROM lead_customer_points c
                WHERE c.geom && ST_Expand(r.geom, CAST(:name_within_m AS float8) / 111320
                                                  / cos(radians(ST_Y(r.geom))))
                  AND ST_DWithin(c.geom::geography, r.geom::geography,
                                 CAST(:name_within_m AS float8)))
            THEN nullif(crm.search_normalize(r.name), '') END AS name_key,
       CASE WHEN (SELECT EXISTS (SELECT 1 FROM crm.customers WHERE kind = 'business'))
            THEN crm.address_key(r.address) END AS address_key,
       CASE WHEN (SELECT EXISTS (SELECT 1 FROM crm.customers WHERE phone IS NOT NULL))
            THEN crm.phone_key(r.phone) END AS phone_key,
       CASE WHEN (SELECT EXISTS (SELECT 1 FROM crm.customers WHERE website IS NOT NULL))
            THEN crm.website_key(r.website) END AS website_key,
       CASE WHEN (SELECT EXISTS (SELECT 1 FROM crm.customers WHERE email IS NOT NULL))
            THEN crm.email_key(r.email) END AS email_key
FROM lead_rows r
