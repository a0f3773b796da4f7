-- One customer as a GeoJSON feature with its enrichment and a summary of its history.
SELECT json_build_object(
           'type', 'Feature', 'id', c.customer_id,
           'geometry', ST_AsGeoJSON(c.geom, 7)::json,
           'properties', to_jsonb(c) - 'geom' - 'customer_id'
               || jsonb_build_object(
                   'rep_name', r.name,
                   'enrichment', CASE WHEN e.customer_id IS NULL THEN NULL ELSE
                       to_jsonb(e) - 'customer_id' || jsonb_build_object(
                           'nearest_store', st.name,
                           'h3_9', ref.h3_cell_to_parent(e.h3_11, 9)) END,
                   'interactions', (
                       SELECT jsonb_object_agg(type, n) FROM (
                           SELECT type, count(*) AS n FROM crm.interactions i
                           WHERE i.customer_id = c.customer_id GROUP BY type) k),
                   'last_interaction_at', (SELECT max(occurred_at) FROM crm.interactions i
                                           WHERE i.customer_id = c.customer_id))) AS feature
FROM crm.customers c
LEFT JOIN crm.reps r ON r.rep_id = c.assigned_rep_id
LEFT JOIN crm.customer_enrichment e ON e.customer_id = c.customer_id
LEFT JOIN crm.stores st ON st.store_id = e.nearest_store_id
WHERE c.customer_id = :customer_id
