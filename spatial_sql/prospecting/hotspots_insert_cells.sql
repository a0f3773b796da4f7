-- The cells of a hotspot result just kept, from parallel arrays (one statement for all).
INSERT INTO cube.hotspot_cells (run_id, h3, value, z, p, p_fdr, class, geom)
SELECT :run_id, c.h3, c.value, c.z, c.p, c.p_fdr, c.class, ST_GeomFromWKB(c.wkb, 4326)
FROM unnest(CAST(:h3 AS bigint[]), CAST(:value AS float8[]), CAST(:z AS float8[]),
            CAST(:p AS float8[]), CAST(:p_fdr AS float8[]), CAST(:class AS text[]),
            CAST(:wkb AS bytea[])) AS c(h3, value, z, p, p_fdr, class, wkb)
