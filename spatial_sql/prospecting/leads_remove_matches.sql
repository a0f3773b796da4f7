-- Remove the leads that customers now match (lead_matches, from leads_keys_all.sql): a
-- customer imported after the build is no lead any more. Their status rows stay.
DELETE FROM crm.leads l WHERE l.lead_id IN (SELECT m.lead_id FROM lead_matches m)
