-- Materialise staged hexagons (staged_cells) into ref.h3_cells; in_city is sticky.
INSERT INTO ref.h3_cells AS h (h3, res, in_city, geom)
SELECT h3, res, in_city, geom FROM staged_cells
ON CONFLICT (h3) DO UPDATE SET in_city = h.in_city OR EXCLUDED.in_city
