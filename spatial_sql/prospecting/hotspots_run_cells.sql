-- The cells of a cached hotspot result, by cell id.
SELECT h3, value, z, p, p_fdr, class FROM cube.hotspot_cells WHERE run_id = :run_id ORDER BY h3
