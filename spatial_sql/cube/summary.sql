-- Row counts and dimension values of the freshly built cube (filter validation reads them).
SELECT (SELECT count(*) FROM cube.facts) AS fact_rows,
       (SELECT count(*) FROM cube.cell_context) AS context_cells,
       (SELECT coalesce(sum(customers + prospects), 0) FROM cube.facts) AS customers_counted,
       (SELECT jsonb_object_agg(res, n) FROM (
            SELECT res, count(*) AS n FROM cube.rollup GROUP BY res ORDER BY res) r)
           AS cells_per_res,
       (SELECT coalesce(jsonb_agg(DISTINCT segment) FILTER (WHERE segment IS NOT NULL),
                        '[]'::jsonb) FROM cube.facts) AS segments
