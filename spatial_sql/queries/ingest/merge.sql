-- Upsert the valid rows by external_id, in one statement. The final values are resolved
-- against the existing row first: a column the file does not have (its has_ flag false)
-- keeps its value; given coordinates win over a geocoded point but never over a manual
-- pin; a changed address clears a geocoded point so that it is geocoded again. Rows whose
-- final values equal the stored ones are not touched (a re-import changes nothing).
WITH incoming AS (
    SELECT n.external_id, n.name,
           CASE WHEN :has_kind OR o.customer_id IS NULL THEN n.kind ELSE o.kind END AS kind,
           CASE WHEN :has_address OR o.customer_id IS NULL THEN n.address ELSE o.address END AS address,
           CASE WHEN :has_postcode OR o.customer_id IS NULL THEN n.postcode ELSE o.postcode END AS postcode,
           CASE WHEN :has_city OR o.customer_id IS NULL THEN n.city ELSE o.city END AS city,
           CASE WHEN :has_segment OR o.customer_id IS NULL THEN n.segment ELSE o.segment END AS segment,
           CASE WHEN :has_stage OR o.customer_id IS NULL THEN n.stage ELSE o.stage END AS stage,
           CASE WHEN :has_annual_revenue OR o.customer_id IS NULL
                THEN coalesce(n.annual_revenue, 0) ELSE o.annual_revenue END AS annual_revenue,
           CASE WHEN :has_lifetime_value OR o.customer_id IS NULL
                THEN coalesce(n.lifetime_value, 0) ELSE o.lifetime_value END AS lifetime_value,
           CASE WHEN :has_satisfaction OR o.customer_id IS NULL THEN n.satisfaction ELSE o.satisfaction END AS satisfaction,
           CASE WHEN :has_churn_risk OR o.customer_id IS NULL THEN n.churn_risk ELSE o.churn_risk END AS churn_risk,
           CASE WHEN :has_rep OR o.customer_id IS NULL THEN n.rep_id ELSE o.assigned_rep_id END AS assigned_rep_id,
           CASE WHEN :has_relationship_start OR o.customer_id IS NULL
                THEN n.relationship_start ELSE o.relationship_start END AS relationship_start,
           coalesce(o.region, :region) AS region,
           o.customer_id AS existing_id, o.geocode_match_level AS old_level, o.geom AS old_geom,
           o.address AS old_address, o.geocode_confidence AS old_confidence,
           o.geocoded_address AS old_geocoded_address, o.geocoded_at AS old_geocoded_at,
           CASE WHEN n.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(n.lon, n.lat), 4326) END AS given_geom,
           n.nearest_address
    FROM stage_checked n
    LEFT JOIN crm.customers o ON o.external_id = n.external_id
    WHERE cardinality(n.problems) = 0
),
resolved AS (
    SELECT i.*,
           CASE WHEN i.old_level = 'manual' THEN 'keep'
                WHEN i.given_geom IS NOT NULL THEN 'given'
                WHEN i.existing_id IS NULL THEN 'geocode'
                WHEN i.old_level = 'provided' AND :has_coordinates THEN 'geocode'
                WHEN i.address IS DISTINCT FROM i.old_address THEN 'geocode'
                ELSE 'keep' END AS location
    FROM incoming i
),
final AS (
    SELECT r.*,
           CASE r.location WHEN 'keep' THEN r.old_geom WHEN 'given' THEN r.given_geom END AS geom,
           CASE r.location WHEN 'keep' THEN r.old_level WHEN 'given' THEN 'provided' END AS level,
           CASE r.location WHEN 'keep' THEN r.old_confidence WHEN 'given' THEN 1 END AS confidence,
           CASE r.location WHEN 'keep' THEN r.old_geocoded_address
                           WHEN 'given' THEN r.nearest_address END AS geocoded_address,
           CASE r.location WHEN 'keep' THEN r.old_geocoded_at WHEN 'given' THEN now() END AS geocoded_at
    FROM resolved r
),
merged AS (
    INSERT INTO crm.customers AS c (
        external_id, name, kind, address, postcode, city, segment, stage, annual_revenue,
        lifetime_value, satisfaction, churn_risk, assigned_rep_id, relationship_start, region,
        geom, geocode_match_level, geocode_confidence, geocoded_address, geocoded_at, source,
        last_import_id)
    SELECT external_id, name, kind, address, postcode, city, segment, stage, annual_revenue,
           lifetime_value, satisfaction, churn_risk, assigned_rep_id, relationship_start, region,
           geom, level, confidence, geocoded_address, geocoded_at, :source, :import_id
    FROM final
    -- spatial order keeps GiST inserts cache-local (the biggest cost of a large import)
    ORDER BY ST_GeoHash(geom, 6) NULLS LAST
    ON CONFLICT (external_id) DO UPDATE SET
        name = excluded.name, kind = excluded.kind, address = excluded.address,
        postcode = excluded.postcode, city = excluded.city, segment = excluded.segment,
        stage = excluded.stage, annual_revenue = excluded.annual_revenue,
        lifetime_value = excluded.lifetime_value, satisfaction = excluded.satisfaction,
        churn_risk = excluded.churn_risk, assigned_rep_id = excluded.assigned_rep_id,
        relationship_start = excluded.relationship_start, geom = excluded.geom,
        geocode_match_level = excluded.geocode_match_level,
        geocode_confidence = excluded.geocode_confidence,
        geocoded_address = excluded.geocoded_address, geocoded_at = excluded.geocoded_at,
        last_import_id = excluded.last_import_id, updated_at = now()
    WHERE (c.name, c.kind, c.address, c.postcode, c.city, c.segment, c.stage, c.annual_revenue,
           c.lifetime_value, c.satisfaction, c.churn_risk, c.assigned_rep_id,
           c.relationship_start, c.geocode_match_level)
          IS DISTINCT FROM
          (excluded.name, excluded.kind, excluded.address, excluded.postcode, excluded.city,
           excluded.segment, excluded.stage, excluded.annual_revenue, excluded.lifetime_value,
           excluded.satisfaction, excluded.churn_risk, excluded.assigned_rep_id,
           excluded.relationship_start, excluded.geocode_match_level)
       OR NOT ST_Equals(coalesce(c.geom, 'POINT EMPTY'::geometry),
                        coalesce(excluded.geom, 'POINT EMPTY'::geometry))
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM merged
