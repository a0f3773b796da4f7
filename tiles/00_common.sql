-- Helpers shared by the tile functions of tiles/*.sql (applied first: files are applied in
-- name order by `geocrm db migrate`).

-- A query-string value of the tile's query json as an array: absent or null -> NULL (no
-- filter), a scalar -> one element, an array -> its elements, as crm.jsonb_texts reads a
-- saved filter. geocrm.tiles has validated the values already; the SQL functions also work
-- when called directly with '{}'.
CREATE OR REPLACE FUNCTION tiles.texts(value json)
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT crm.jsonb_texts(CAST(value AS jsonb)) $$;

CREATE OR REPLACE FUNCTION tiles.ints(value json)
RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CAST(tiles.texts(value) AS bigint[]) $$;

-- The tile's box in lon/lat, widened by the 64/4096 buffer of ST_AsMVTGeom, for the index
-- test on the 4326 geometries. A web-mercator box is a lon/lat box, so this is exact.
CREATE OR REPLACE FUNCTION tiles.bbox(z integer, x integer, y integer)
RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ST_Transform(ST_TileEnvelope(z, x, y, margin => 64.0 / 4096), 4326) $$;

-- The H3 resolution drawn at a zoom: hexagons about 20-40 pixels across on a 256-pixel
-- tile (res 5 at z <= 7 ... res 11 from z 15).
CREATE OR REPLACE FUNCTION tiles.hex_res_for_zoom(z integer)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (ARRAY[5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 9, 9, 10, 11])[least(greatest(z, 0), 15) + 1] $$;

-- The cube's additive sums per cell at resolution res, for the cells whose hexagon meets
-- the box: from the precomputed roll-up when the query filters nothing, otherwise the sums
-- of the facts matching its filters per cell (cube.fact_sums over each cell's descendants,
-- an id range of the facts; the facts of one month of activity for query.month) -- the
-- same paths, with the same sums, as geocrm.cube.query_cube. Every customer counted, with
-- no k-rule: the layers call tiles.cube_cells, which applies it.
CREATE OR REPLACE FUNCTION tiles.cube_cells_all(res integer, box geometry, query json)
RETURNS TABLE (
    h3 bigint, geom geometry, customers numeric, prospects numeric, revenue numeric,
    ltv numeric, satisfaction_sum numeric, satisfaction_n numeric, churn_sum numeric,
    churn_n numeric, orders numeric, support_requests numeric, complaints numeric,
    visits numeric, survey_responses numeric, campaign_responses numeric,
    footfall_sum numeric, footfall_n numeric, addressable_buildings numeric,
    households numeric)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    audience jsonb := cube.audience_filter(CAST(query AS jsonb));
BEGIN
    IF NOT cube.is_filtered(audience) THEN
        RETURN QUERY
        SELECT c.h3, c.geom, r.customers::numeric, r.prospects::numeric, r.revenue, r.ltv,
               r.satisfaction_sum, r.satisfaction_n::numeric, r.churn_sum, r.churn_n::numeric,
               r.orders::numeric, r.support_requests::numeric, r.complaints::numeric,
               r.visits::numeric, r.survey_responses::numeric, r.campaign_responses::numeric,
               r.footfall_sum, r.footfall_n::numeric, r.addressable_buildings::numeric,
               r.households
        FROM ref.h3_cells c
        JOIN cube.rollup r ON r.res = cube_cells_all.res AND r.h3 = c.h3
        WHERE c.res = cube_cells_all.res AND c.geom && box;
        RETURN;
    END IF;
    -- planned for each tile's own filters (EXECUTE): a generic plan, which a static query
    -- gets after five tiles, cannot leave out the dimensions not filtered (measured 3-8x
    -- slower)
    RETURN QUERY EXECUTE $q$
    WITH cells AS (
        SELECT c.h3, c.geom,
               ref.h3_first_descendant(c.h3, 11) AS lo, ref.h3_last_descendant(c.h3, 11) AS hi
        FROM ref.h3_cells c
        WHERE c.res = $1 AND c.geom && $2
    ), facts AS (
        SELECT c.h3, s.customers, s.prospects, s.revenue, s.ltv, s.satisfaction_sum,
               s.satisfaction_n, s.churn_sum, s.churn_n, s.orders, s.support_requests,
               s.complaints, s.visits, s.survey_responses, s.campaign_responses
        FROM cells c
        CROSS JOIN LATERAL cube.fact_sums($3, $1, c.lo, c.hi) s
    ), context AS (
        SELECT c.h3, sum(x.footfall_sum) AS footfall_sum, sum(x.footfall_n) AS footfall_n,
               sum(x.addressable_buildings) AS addressable_buildings,
               sum(x.households) AS households
        FROM cells c
        JOIN cube.cell_context x ON x.h3_11 BETWEEN c.lo AND c.hi
        WHERE c.h3 IN (SELECT facts.h3 FROM facts)
        GROUP BY c.h3
    )
    SELECT c.h3, c.geom, f.customers, f.prospects, f.revenue, f.ltv,
           f.satisfaction_sum, f.satisfaction_n, f.churn_sum, f.churn_n,
           f.orders, f.support_requests, f.complaints,
           f.visits, f.survey_responses, f.campaign_responses,
           coalesce(x.footfall_sum, 0), coalesce(x.footfall_n, 0)::numeric,
           coalesce(x.addressable_buildings, 0)::numeric, coalesce(x.households, 0)
    FROM facts f
    JOIN cells c USING (h3)
    LEFT JOIN context x USING (h3)
    $q$ USING res, box, audience;
END $$;
COMMENT ON FUNCTION tiles.cube_cells_all(integer, geometry, json) IS 'Additive cube sums per H3 cell at a resolution in a box, for the filters of a tile query (unfiltered: cube.rollup; filtered: cube.facts), without the k-rule.';

-- The cells of tiles.cube_cells_all as the transaction's user may see them: with no k-rule
-- (auth.min_cell_count() NULL: admins, marketers) exactly those; under it, what
-- cube.held_back holds back of each cell is taken off its sums, a cell left with no
-- customer shown (and, unfiltered, no context) is left out, and suppressed_cells says how
-- many res-11 cells were held back in it (NULL: no rule). What every layer drawing the
-- cube's figures calls.
DROP FUNCTION IF EXISTS tiles.cube_cells(integer, geometry, json);
CREATE FUNCTION tiles.cube_cells(res integer, box geometry, query json)
RETURNS TABLE (
    h3 bigint, geom geometry, customers numeric, prospects numeric, revenue numeric,
    ltv numeric, satisfaction_sum numeric, satisfaction_n numeric, churn_sum numeric,
    churn_n numeric, orders numeric, support_requests numeric, complaints numeric,
    visits numeric, survey_responses numeric, campaign_responses numeric,
    footfall_sum numeric, footfall_n numeric, addressable_buildings numeric,
    households numeric, suppressed_cells bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    k integer := auth.min_cell_count();
    reps integer[];
    audience jsonb;
BEGIN
    IF k IS NULL THEN
        RETURN QUERY SELECT a.*, NULL::bigint FROM tiles.cube_cells_all(res, box, query) a;
        RETURN;
    END IF;
    reps := auth.scope_reps();
    audience := cube.audience_filter(CAST(query AS jsonb));
    -- planned for each tile's own values, as the filtered tiles of tiles.cube_cells_all
    RETURN QUERY EXECUTE $q$
    SELECT a.h3, a.geom, a.customers - coalesce(h.customers, 0),
           a.prospects - coalesce(h.prospects, 0), a.revenue - coalesce(h.revenue, 0),
           a.ltv - coalesce(h.ltv, 0), a.satisfaction_sum - coalesce(h.satisfaction_sum, 0),
           a.satisfaction_n - coalesce(h.satisfaction_n, 0),
           a.churn_sum - coalesce(h.churn_sum, 0), a.churn_n - coalesce(h.churn_n, 0),
           a.orders - coalesce(h.orders, 0),
           a.support_requests - coalesce(h.support_requests, 0),
           a.complaints - coalesce(h.complaints, 0), a.visits - coalesce(h.visits, 0),
           a.survey_responses - coalesce(h.survey_responses, 0),
           a.campaign_responses - coalesce(h.campaign_responses, 0),
           a.footfall_sum, a.footfall_n, a.addressable_buildings, a.households,
           coalesce(h.cells, 0)
    FROM tiles.cube_cells_all($1, $2, $3) a
    LEFT JOIN LATERAL cube.held_back($4, $1, ref.h3_first_descendant(a.h3, 11),
                                     ref.h3_last_descendant(a.h3, 11), $5, $6) h ON true
    WHERE h.h3 IS NULL OR a.customers + a.prospects > h.customers + h.prospects
       OR (NOT cube.is_filtered($4)
           AND a.footfall_n + a.addressable_buildings + a.households > 0)
    $q$ USING res, box, query, audience, k, reps;
END $$;
COMMENT ON FUNCTION tiles.cube_cells(integer, geometry, json) IS 'Cube sums per H3 cell at a resolution in a box, for the filters of a tile query, as the transaction''s user may see them (the k-rule of cube.held_back).';

-- A tile of any layer by name: what the API calls (and what a benchmark runs directly).
CREATE OR REPLACE FUNCTION tiles.render(layer text, z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
DECLARE
    mvt bytea;
BEGIN
    IF to_regprocedure(format('tiles.%I(integer, integer, integer, json)', layer)) IS NULL THEN
        RAISE EXCEPTION 'no tile function tiles.%(z, x, y, query)', layer
            USING ERRCODE = 'undefined_function';
    END IF;
    EXECUTE format('SELECT tiles.%I($1, $2, $3, $4)', layer) INTO mvt USING z, x, y, query;
    RETURN mvt;
END $$;
