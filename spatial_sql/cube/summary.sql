-- Row counts and dimension values of the cube as it now is (filter validation reads the
-- segments and months); written after every build and refresh.
WITH RECURSIVE months AS (
    -- the distinct months of activity, one index probe each (activity_facts_month_h3_idx)
    (SELECT month FROM cube.activity_facts ORDER BY month LIMIT 1)
    UNION ALL
    SELECT (SELECT a.month FROM cube.activity_facts a WHERE a.month > m.month
            ORDER BY a.month LIMIT 1)
    FROM months m
    WHERE m.month IS NOT NULL
)
SELECT (SELECT count(*) FROM cube.facts) AS fact_rows,
       (SELECT count(*) FROM cube.cell_context) AS context_cells,
       (SELECT coalesce(sum(customers + prospects), 0) FROM cube.facts) AS customers_counted,
       -- kept but not counted: outside the loaded cities (customers_outside_city_idx)
       (SELECT count(*) FROM crm.customers WHERE outside_city) AS customers_outside_city,
       (SELECT jsonb_object_agg(res, n) FROM (
            SELECT res, count(*) AS n FROM cube.rollup GROUP BY res ORDER BY res) r)
           AS cells_per_res,
       (SELECT coalesce(jsonb_agg(DISTINCT segment) FILTER (WHERE segment IS NOT NULL),
                        '[]'::jsonb) FROM cube.facts) AS segments,
       (SELECT coalesce(jsonb_agg(to_char(month, 'YYYY-MM') ORDER BY month), '[]'::jsonb)
        FROM months WHERE month IS NOT NULL) AS months
