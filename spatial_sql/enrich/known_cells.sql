-- Hexagons already materialised (all, or those among :cells).
SELECT h3, in_city FROM ref.h3_cells
WHERE CAST(:cells AS bigint[]) IS NULL OR h3 = ANY (CAST(:cells AS bigint[]))
