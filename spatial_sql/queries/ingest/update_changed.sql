-- Update the existing customers whose resolved values differ from what is stored; the
-- others are not touched (a re-import of the same file changes nothing).
UPDATE crm.customers c
SET name = f.name, kind = f.kind, address = f.address, postcode = f.postcode, city = f.city,
    segment = f.segment, stage = f.stage, annual_revenue = f.annual_revenue,
    lifetime_value = f.lifetime_value, satisfaction = f.satisfaction,
    churn_risk = f.churn_risk, assigned_rep_id = f.assigned_rep_id,
    relationship_start = f.relationship_start, phone = f.phone, email = f.email,
    website = f.website, geom = f.geom,
    geocode_match_level = f.level, geocode_confidence = f.confidence,
    geocoded_address = f.geocoded_address, geocoded_at = f.geocoded_at,
    outside_city = f.outside_city, last_import_id = :import_id, updated_at = now()
FROM stage_final f
WHERE f.existing_id = c.customer_id
  AND ((c.name, c.kind, c.address, c.postcode, c.city, c.segment, c.stage, c.annual_revenue,
        c.lifetime_value, c.satisfaction, c.churn_risk, c.assigned_rep_id,
        c.relationship_start, c.geocode_match_level, c.outside_city, c.phone, c.email,
        c.website)
       IS DISTINCT FROM
       (f.name, f.kind, f.address, f.postcode, f.city, f.segment, f.stage, f.annual_revenue,
        f.lifetime_value, f.satisfaction, f.churn_risk, f.assigned_rep_id,
        f.relationship_start, f.level, f.outside_city, f.phone, f.email, f.website)
       OR NOT ST_Equals(coalesce(c.geom, 'POINT EMPTY'::geometry),
                        coalesce(f.geom, 'POINT EMPTY'::geometry)))
