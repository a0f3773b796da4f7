-- (after leads_keys_build.sql or leads_keys_all.sql) Statistics for the match's joins.
ANALYZE lead_keys (lead_id, name_key, address_key, phone_key, website_key, email_key)
