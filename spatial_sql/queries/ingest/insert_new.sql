-- Insert the new customers of an import (stage_final rows with no existing customer).
-- Spatial order keeps GiST inserts cache-local (the biggest cost of a large import); a
-- plain INSERT (no ON CONFLICT) because imports run one at a time (advisory lock).
INSERT INTO crm.customers (
    external_id, name, kind, address, postcode, city, segment, stage, annual_revenue,
    lifetime_value, satisfaction, churn_risk, assigned_rep_id, relationship_start, region,
    geom, geocode_match_level, geocode_confidence, geocoded_address, geocoded_at, source,
    last_import_id, outside_city, phone, email, website)
SELECT external_id, name, kind, address, postcode, city, segment, stage, annual_revenue,
       lifetime_value, satisfaction, churn_risk, assigned_rep_id, relationship_start, region,
       geom, level, confidence, geocoded_address, geocoded_at, :source, :import_id,
       outside_city, phone, email, website
FROM stage_final
WHERE existing_id IS NULL
ORDER BY ST_GeoHash(geom, 6) NULLS LAST
