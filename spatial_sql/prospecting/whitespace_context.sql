-- The context of every res-11 cell of the cube (cube.rollup: cells with customers,
-- buildings or foot traffic), what the whitespace model learns from: estimated households
-- and workplaces, foot traffic, buildings per class and POIs per category; with the cell's
-- actual customers (past the prospect stage) and revenue, unfiltered and complete (the
-- build runs as GeoCRM itself; readers get the actuals under their k-rule instead).
WITH buildings AS (
    SELECT h3_11, coalesce(sum(households_est), 0) AS households,
           coalesce(sum(workplaces_est), 0) AS workplaces,
           jsonb_object_agg(building_class, n) AS by_class
    FROM (
        SELECT h3_11, building_class, count(*) AS n,
               sum(households_est::numeric) AS households_est,
               sum(workplaces_est::numeric) AS workplaces_est
        FROM ref.buildings
        WHERE h3_11 IS NOT NULL
        GROUP BY 1, 2
    ) b
    GROUP BY h3_11
), pois AS (
    SELECT h3_11, jsonb_object_agg(category, n) AS by_category
    FROM (SELECT h3_11, category, count(*) AS n FROM ref.pois WHERE h3_11 IS NOT NULL GROUP BY 1, 2) p
    GROUP BY h3_11
)
SELECT r.h3 AS h3_11,
       coalesce(b.households, 0)::float8 AS households,
       coalesce(b.workplaces, 0)::float8 AS workplaces,
       coalesce(r.footfall_sum / nullif(r.footfall_n, 0), 0)::float8 AS footfall,
       r.footfall_n::integer AS footfall_n,
       coalesce(b.by_class, '{}') AS buildings,
       coalesce(p.by_category, '{}') AS pois,
       r.customers::integer AS customers,
       r.revenue::float8 AS revenue
FROM cube.rollup r
LEFT JOIN buildings b ON b.h3_11 = r.h3
LEFT JOIN pois p ON p.h3_11 = r.h3
WHERE r.res = 11
ORDER BY r.h3
