-- The finest cells of enriched customers whose hexagon is not materialised in ref.h3_cells
-- (a crash between an enrichment's commit and the hexagons of its cells; the recovery
-- materialises them, and their ancestors).
SELECT DISTINCT e.h3_11
FROM crm.customer_enrichment e
WHERE NOT EXISTS (SELECT 1 FROM ref.h3_cells h WHERE h.h3 = e.h3_11)
