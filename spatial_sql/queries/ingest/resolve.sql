-- Resolve the final values of every valid row against the existing customer (by
-- external_id) into stage_final; insert_new.sql and update_changed.sql write them. A column
-- the file does not have (its has_ flag false) keeps its value; given coordinates win over
-- a geocoded point but never over a manual pin; a changed address clears a geocoded point
-- so that it is geocoded again. outside_city: the point lies farther than :margin_m from
-- every loaded city (kept, flagged; ref.city_area() is computed once for the statement).
CREATE TEMP TABLE stage_final ON COMMIT DROP AS
-- MATERIALIZED: computed once; a plain CTE or subquery would be pulled up into the SELECT
-- and ref.city_area() (a union of geodesic buffers) run again for every row
WITH city AS MATERIALIZED (
    SELECT ref.city_area(:margin_m) AS area
),
incoming AS (
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
           CASE WHEN :has_phone OR o.customer_id IS NULL THEN n.phone ELSE o.phone END AS phone,
           CASE WHEN :has_email OR o.customer_id IS NULL THEN n.email ELSE o.email END AS email,
           CASE WHEN :has_website OR o.customer_id IS NULL THEN n.website ELSE o.website END AS website,
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
)
-- in the customers table's own types, so that unchanged values compare equal
SELECT external_id, existing_id, name, kind, address, postcode, city, segment, stage,
       CAST(annual_revenue AS numeric(14, 2)) AS annual_revenue,
       CAST(lifetime_value AS numeric(14, 2)) AS lifetime_value,
       CAST(satisfaction AS real) AS satisfaction, CAST(churn_risk AS real) AS churn_risk,
       assigned_rep_id, relationship_start, phone, email, website, region, geom, level,
       CAST(confidence AS real) AS confidence, geocoded_address, geocoded_at,
       crm.outside_city(geom, city.area) AS outside_city
FROM final
CROSS JOIN city
