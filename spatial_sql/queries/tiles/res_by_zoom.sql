-- The H3 resolution the hex layers draw at each zoom 0..22 (index = zoom).
SELECT array_agg(tiles.hex_res_for_zoom(z) ORDER BY z) FROM generate_series(0, 22) AS z
