-- Layer "plan_changes": what a territory plan (query.plan_id; default the active plan)
-- would change, against the customers' current rep or, with query.with, against another
-- plan. One hexagon per cell of the plan (at its res) that holds customers, with its
-- territory and rep, the most common rep of its customers before (prev_rep_id), and how
-- many of them would change rep and how many strong bonds would break. Both sides come
-- from crm.plan_customers and the bonds from crm.customer_bonds, as in the plan comparison
-- (spatial_sql/queries/territories/compare.sql), so the cells add up to its figures.
CREATE OR REPLACE FUNCTION tiles.plan_changes(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH plan AS (
        SELECT p.plan_id
        FROM crm.territory_plans p
        WHERE CASE WHEN query ->> 'plan_id' IS NULL THEN p.active
                   ELSE p.plan_id = (query ->> 'plan_id')::bigint END
    ), cells AS (
        SELECT tc.h3, tc.territory_id, t.rep_id, h.geom
        FROM plan
        JOIN crm.territory_cells tc ON tc.plan_id = plan.plan_id
        JOIN crm.territories t ON t.territory_id = tc.territory_id
        JOIN ref.h3_cells h ON h.h3 = tc.h3
        WHERE h.geom && tiles.bbox(z, x, y)
    ), after AS (
        SELECT a.customer_id, a.h3, a.rep_id
        FROM plan, crm.plan_customers(plan.plan_id) a
        WHERE a.h3 IN (SELECT cells.h3 FROM cells)
    ), before AS (
        SELECT c.customer_id, c.assigned_rep_id AS rep_id
        FROM crm.customers c
        WHERE query ->> 'with' IS NULL
        UNION ALL
        SELECT b.customer_id, b.rep_id
        FROM crm.plan_customers((query ->> 'with')::bigint) b
        WHERE query ->> 'with' IS NOT NULL
    ), per_cell AS (
        SELECT a.h3, count(*)::integer AS customers,
               mode() WITHIN GROUP (ORDER BY b.rep_id) AS prev_rep_id,
               count(*) FILTER (WHERE a.rep_id IS DISTINCT FROM b.rep_id)::integer AS changing,
               count(*) FILTER (WHERE k.rep_id = b.rep_id
                                  AND a.rep_id IS DISTINCT FROM k.rep_id)::integer
                   AS bonds_broken
        FROM after a
        JOIN before b USING (customer_id)
        LEFT JOIN crm.customer_bonds() k ON k.customer_id = a.customer_id AND k.strong
        GROUP BY a.h3
    ), shapes AS (
        SELECT c.h3, c.territory_id, c.rep_id, c.geom, p.prev_rep_id, p.customers, p.changing,
               p.bonds_broken
        FROM cells c
        JOIN per_cell p USING (h3)
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    )
    SELECT coalesce(ST_AsMVT(m, 'plan_changes', 4096, 'geom'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               lpad(to_hex(s.h3), 15, '0') AS h3, s.territory_id, s.rep_id, s.prev_rep_id,
               s.customers, s.changing, round(s.changing::numeric / s.customers, 4)::float8
                   AS changing_share,
               s.bonds_broken
        FROM shapes s
    ) m
    WHERE m.geom IS NOT NULL
$$;
COMMENT ON FUNCTION tiles.plan_changes(integer, integer, integer, json) IS 'Tile of what a territory plan changes per cell (query: plan_id, default the active plan; with, default the current assignment; limit).';
