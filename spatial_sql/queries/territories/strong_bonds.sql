-- Strong rep-customer bonds per H3 cell at :res and current rep (crm.customer_bonds()
-- defines a bond's strength; geocrm/territories.py documents it). Only enriched customers
-- with an owner rep count.
SELECT ref.h3_cell_to_parent(e.h3_11, CAST(:res AS integer)) AS h3, b.rep_id,
       count(*)::integer AS strong
FROM crm.customer_bonds() b
JOIN crm.customer_enrichment e USING (customer_id)
WHERE b.strong
GROUP BY 1, 2
ORDER BY 1, 2
