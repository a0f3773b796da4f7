-- What the current leads (crm.leads, every city) are recognised by (leads_match.sql).
CREATE TEMP TABLE lead_keys ON COMMIT DROP AS
SELECT lead_id, geom, nullif(crm.search_normalize(name), '') AS name_key,
       crm.address_key(address) AS address_key, crm.phone_key(phone) AS phone_key,
       crm.website_key(website) AS website_key, crm.email_key(email) AS email_key
FROM crm.leads;
ANALYZE lead_keys (lead_id, name_key, address_key, phone_key, website_key, email_key);
