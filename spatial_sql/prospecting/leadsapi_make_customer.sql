-- The prospect customer a lead becomes when it is assigned to a rep: a business at the
-- prospect stage with the lead's name, address, contact details and point (as provided,
-- so re-geocoding never moves it), in the rep's region, marked source = 'lead' and
-- external id 'lead:<lead_id>'. Nothing when that external id exists already. The
-- triggers of the hex cube queue its cell; enrichment picks it up as a new customer.
INSERT INTO crm.customers (external_id, name, kind, address, stage, region, assigned_rep_id,
                           geom, geocode_match_level, geocode_confidence, geocoded_address,
                           geocoded_at, source, phone, email, website)
SELECT 'lead:' || l.lead_id,
       coalesce(nullif(btrim(l.name), ''),
                initcap(replace(coalesce(l.subcategory, l.category), '_', ' ')) || ' ' || l.lead_id),
       'business', l.address, 'prospect', r.region, r.rep_id,
       l.geom, 'provided', 1, l.address, now(), 'lead', l.phone, l.email, l.website
FROM crm.leads l, crm.reps r
WHERE l.lead_id = :lead_id AND r.rep_id = :rep_id
ON CONFLICT (external_id) DO NOTHING
RETURNING customer_id
