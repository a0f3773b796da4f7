-- Layer "plan_changes": what a territory plan (query.plan_id; default the active plan)
-- would change, against the customers' current rep or, with query.with, against another
-- plan. One hexagon per cell of the plan (at its res) that holds customers, with its
-- territory and rep, the most common rep of its customers before (prev_rep_id), and how
-- many of them would change rep and how many strong bonds would break. Both sides come
-- from crm.plan_customers and the bonds from crm.customer_bonds, as in the plan comparison
-- (spatial_sql/queries/territories/compare.sql), so the cells add up to its figures.
--
-- PL/pgSQL so that the plans' ids are plain parameters of the query: crm.plan_customers
-- and crm.customer_bonds are then inlined, and each customer of the tile's cells gets its
-- rep before and its bond by its id (primary-key lookups) instead of a pass over every
-- customer. At a million customers a tile of a few cells takes ~0.3 s, the whole city
-- ~2 s.
CREATE OR REPLACE FUNCTION tiles.plan_changes(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
-- a tile reads a few thousand customers by index: parallel workers would each build the
-- same hash tables (measured at a million customers: 1.0 s with them, 0.3 s without)
SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    plan bigint;
    base bigint := (query ->> 'with')::bigint;
BEGIN
    SELECT p.plan_id INTO plan
    FROM crm.territory_plans p
    WHERE CASE WHEN query ->> 'plan_id' IS NULL THEN p.active
               ELSE p.plan_id = (query ->> 'plan_id')::bigint END;
    IF plan IS NULL THEN
        RETURN '';
    END IF;
    RETURN (
        WITH cells AS (
            SELECT tc.h3, tc.territory_id, t.rep_id, h.geom
            FROM crm.territory_cells tc
            JOIN crm.territories t ON t.territory_id = tc.territory_id
            JOIN ref.h3_cells h ON h.h3 = tc.h3
            WHERE tc.plan_id = plan AND h.geom && tiles.bbox(z, x, y)
        ), after AS (
            SELECT a.customer_id, a.h3, a.rep_id
            FROM cells
            JOIN crm.plan_customers(plan) a ON a.h3 = cells.h3
        ), changes AS (
            -- each customer's rep under the plan and before it (now, or under plan base),
            -- and the rep of its strong bond if it has one
            SELECT a.h3, a.rep_id,
                   CASE WHEN base IS NULL THEN c.assigned_rep_id ELSE b.rep_id END
                       AS prev_rep_id,
                   k.rep_id AS bond_rep_id
            FROM after a
            JOIN crm.customers c ON c.customer_id = a.customer_id
            LEFT JOIN crm.plan_customers(base) b ON b.customer_id = a.customer_id
            LEFT JOIN crm.customer_bonds() k ON k.customer_id = a.customer_id AND k.strong
        ), per_cell AS MATERIALIZED (  -- once: never rescanned for each cell of the tile
            SELECT h3, count(*)::integer AS customers,
                   mode() WITHIN GROUP (ORDER BY prev_rep_id) AS prev_rep_id,
                   count(*) FILTER (WHERE rep_id IS DISTINCT FROM prev_rep_id)::integer
                       AS changing,
                   count(*) FILTER (WHERE bond_rep_id = prev_rep_id
                                      AND rep_id IS DISTINCT FROM bond_rep_id)::integer
                       AS bonds_broken
            FROM changes
            GROUP BY h3
        ), shapes AS (
            SELECT c.h3, c.territory_id, c.rep_id, c.geom, p.prev_rep_id, p.customers,
                   p.changing, p.bonds_broken
            FROM cells c
            JOIN per_cell p USING (h3)
            LIMIT coalesce((query ->> 'limit')::integer, 50000)
        )
        SELECT coalesce(ST_AsMVT(m, 'plan_changes', 4096, 'geom'), '')
        FROM (
            SELECT ST_AsMVTGeom(ST_Transform(s.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64,
                                true) AS geom,
                   lpad(to_hex(s.h3), 15, '0') AS h3, s.territory_id, s.rep_id, s.prev_rep_id,
                   s.customers, s.changing,
                   round(s.changing::numeric / s.customers, 4)::float8 AS changing_share,
                   s.bonds_broken
            FROM shapes s
        ) m
        WHERE m.geom IS NOT NULL
    );
END $$;
COMMENT ON FUNCTION tiles.plan_changes(integer, integer, integer, json) IS 'Tile of what a territory plan changes per cell (query: plan_id, default the active plan; with, default the current assignment; limit).';
