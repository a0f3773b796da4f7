-- A page of leads (the ones the transaction's user may see: row-level security on
-- crm.leads and crm.lead_status) matching optional filters, each NULL when not set:
--   :lead_id            one lead
--   :min_lon .. :max_lat a bounding box (lon/lat)
--   :wkb                an area (WKB, lon/lat): a lasso, a saved zone, or both intersected
--   :categories, :building_classes, :statuses (text[]; a lead with no status row is 'new')
--   :min_score          score at least this (leads without a score are left out)
-- ordered by score (highest first, leads without a score last), then lead_id, after the
-- keyset (:after_score, :after_id) of the previous page's last lead when :after_id is set;
-- :limit rows (NULL: all). number_matched: every lead matching the filters (all pages),
-- the same on each row.
WITH matched AS MATERIALIZED (
    SELECT l.lead_id, l.score
    FROM crm.leads l
    LEFT JOIN crm.lead_status s ON s.lead_id = l.lead_id
    WHERE (CAST(:lead_id AS text) IS NULL OR l.lead_id = CAST(:lead_id AS text))
      AND (CAST(:min_lon AS float8) IS NULL
           OR l.geom && ST_MakeEnvelope(CAST(:min_lon AS float8), CAST(:min_lat AS float8),
                                        CAST(:max_lon AS float8), CAST(:max_lat AS float8), 4326))
      AND (CAST(:wkb AS bytea) IS NULL
           OR ST_Intersects(ST_GeomFromWKB(CAST(:wkb AS bytea), 4326), l.geom))
      AND (CAST(:categories AS text[]) IS NULL
           OR l.category = ANY (CAST(:categories AS text[])))
      AND (CAST(:building_classes AS text[]) IS NULL
           OR l.building_class = ANY (CAST(:building_classes AS text[])))
      AND (CAST(:statuses AS text[]) IS NULL
           OR coalesce(s.status, 'new') = ANY (CAST(:statuses AS text[])))
      AND (CAST(:min_score AS real) IS NULL OR l.score >= CAST(:min_score AS real))
), page AS (
    SELECT m.lead_id, m.score
    FROM matched m
    WHERE CAST(:after_id AS text) IS NULL
       OR (CAST(:after_score AS real) IS NULL
           AND m.score IS NULL AND m.lead_id > CAST(:after_id AS text))
       OR (CAST(:after_score AS real) IS NOT NULL
           AND (m.score < CAST(:after_score AS real) OR m.score IS NULL
                OR (m.score = CAST(:after_score AS real) AND m.lead_id > CAST(:after_id AS text))))
    ORDER BY m.score DESC NULLS LAST, m.lead_id
    LIMIT CAST(:limit AS bigint)
)
SELECT (SELECT count(*) FROM matched) AS number_matched,
       p.lead_id, p.score,
       json_build_object(
           'type', 'Feature',
           'id', l.lead_id,
           'geometry', ST_AsGeoJSON(l.geom, 7)::json,
           'properties', json_build_object(
               'lead_id', l.lead_id,
               'dataset_id', l.dataset_id,
               'osm_type', l.osm_type,
               'osm_id', l.osm_id,
               'origin', l.origin,
               'name', l.name,
               'category', l.category,
               'subcategory', l.subcategory,
               'address', l.address,
               'building_id', l.building_id,
               'building_class', l.building_class,
               'floor_area_m2', l.floor_area_m2,
               'footfall_index', l.footfall_index,
               'trade_area_ids', l.trade_area_ids,
               'nearest_store_id', l.nearest_store_id,
               'nearest_store_minutes', l.nearest_store_minutes,
               'nearest_store_mode', l.nearest_store_mode,
               'h3', to_hex(l.h3_11),
               'phone', l.phone,
               'email', l.email,
               'website', l.website,
               'score', l.score,
               'reasons', to_json(l.reasons),
               'status', coalesce(s.status, 'new'),
               'assigned_rep_id', s.assigned_rep_id,
               'customer_id', s.customer_id,
               'status_updated_at', s.updated_at,
               'built_at', l.built_at
           )
       ) AS feature
FROM page p
JOIN crm.leads l ON l.lead_id = p.lead_id
LEFT JOIN crm.lead_status s ON s.lead_id = p.lead_id
ORDER BY p.score DESC NULLS LAST, p.lead_id
