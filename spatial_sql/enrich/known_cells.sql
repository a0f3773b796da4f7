-- Hexagons already materialised.
SELECT h3, in_city FROM ref.h3_cells
