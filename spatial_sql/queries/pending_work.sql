-- What the enrichment and the hex cube still have to catch up on (/health, the recovery):
-- the queued res-11 cells, and the placed customers without an enrichment row (new, or
-- moved since: a trigger drops the row of a customer whose point moves) once `geocrm enrich`
-- has computed the layers they are joined to (never those outside the loaded cities). Read as GeoCRM's own work (every row).
SELECT EXISTS (SELECT 1 FROM cube.builds) AS built,
       (SELECT count(DISTINCT h3_11) FROM cube.dirty_cells) AS pending_cells,
       CASE WHEN EXISTS (SELECT 1 FROM crm.enrichment_state WHERE layer = 'network')
            THEN (SELECT count(*) FROM crm.customers c
                  WHERE c.geom IS NOT NULL AND NOT c.outside_city
                    AND NOT EXISTS (SELECT 1 FROM crm.customer_enrichment e
                                    WHERE e.customer_id = c.customer_id))
            ELSE 0 END AS pending_customers
