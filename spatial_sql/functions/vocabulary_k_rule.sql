-- (Applied after vocabulary.sql, in name order: it uses cube.fact_sums and crm.customers_in.)
-- The k-rule of the aggregates: the cube's cells and the zone counts are not rows, so
-- row-level security does not scope them. Outside a user's rows (auth.scope_reps(): none for
-- an analyst), figures are shown only as sums over groups of at least k customers
-- (auth.min_cell_count(); NULL: no rule, for admins, marketers and GeoCRM's own work):
--
-- * a res-11 cell's customers outside the user's rows (the "others") are one group when
--   there are at least k of them; the user's own customers are always shown;
-- * the others of the res-11 cells that hold fewer than k are held back, and pooled with
--   those of the sibling cells in the parent cell: a pool of at least k is shown there as
--   one group, a smaller one is held back and pooled again one resolution up, and so on;
-- * a cell at resolution r shows its own customers, the groups at res 11 and the pools
--   shown at resolutions 10..r inside it: its full sums minus what is held back at r
--   (cube.held_back), with the number of res-11 cells held back (suppressed_cells);
-- * a zone counts the user's own customers inside it exactly and, for the others, the
--   shown figures of whole cells: the largest cells (res 5..10) the zone covers, and the
--   res-11 cells whose centre is in it (crm.audience_counts).
--
-- The groups do not depend on the question's area or resolution, only on the filters: every
-- figure shown (a cell at any resolution, a zone, a total of shown cells) is the user's own
-- customers plus a sum of whole groups of k or more, so no difference of two figures (a cell
-- and its children, two zones that differ by one customer's location, a total and the cells
-- shown) isolates fewer than k customers of anyone else. Differences between two filter
-- combinations are not covered (see README, "Aggregates under the k-rule").

-- What is held back of each cell at resolution res (the cells of the res-11 id range
-- lo..hi), for the filter document and the user's reps: the sums of the others' customers
-- of the res-11 cells that hold fewer than k of them and were not shown in a pool on the
-- way up to res, and how many res-11 cells they are (cells). With by_dimension, per value
-- of that dimension too (a cell's breakdown: each value as the filter {dimension: value}
-- shows it). No rows when k is NULL. Inlined into the caller; the pooling runs on counts
-- of the small cells only, then their sums are added up once.
CREATE OR REPLACE FUNCTION cube.held_back(
    filter jsonb, res integer, lo bigint, hi bigint, k integer, reps integer[],
    by_dimension text DEFAULT NULL)
RETURNS TABLE (
    h3 bigint, value text, customers numeric, prospects numeric, revenue numeric,
    ltv numeric, satisfaction_sum numeric, satisfaction_n numeric, churn_sum numeric,
    churn_n numeric, orders numeric, support_requests numeric, complaints numeric,
    visits numeric, survey_responses numeric, campaign_responses numeric, cells bigint)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH small AS MATERIALIZED (
        -- the others of each res-11 cell that holds fewer than k of them: from the roll-up
        -- when nothing narrows them (no filter, no rows of one's own: an analyst's map),
        -- else from the facts. key: the value, never equal for NULL and a text
        SELECT r.h3, 'n' AS key, NULL::text AS value, r.customers + r.prospects AS n,
               r.customers::numeric AS customers, r.prospects::numeric AS prospects,
               r.revenue, r.ltv, r.satisfaction_sum, r.satisfaction_n::numeric AS satisfaction_n,
               r.churn_sum, r.churn_n::numeric AS churn_n, r.orders::numeric AS orders,
               r.support_requests::numeric AS support_requests,
               r.complaints::numeric AS complaints, r.visits::numeric AS visits,
               r.survey_responses::numeric AS survey_responses,
               r.campaign_responses::numeric AS campaign_responses
        FROM cube.rollup r
        WHERE k IS NOT NULL AND by_dimension IS NULL
          AND coalesce(cardinality(reps), 0) = 0 AND NOT cube.is_filtered(filter)
          AND r.res = 11 AND r.h3 BETWEEN lo AND hi
          AND r.customers + r.prospects BETWEEN 1 AND k - 1
        UNION ALL
        -- (one pass over the facts of the range: a second look-up per small cell cost
        -- seconds for a cell of res 7 broken down by every dimension)
        SELECT s.h3, coalesce('v' || s.value, 'n'), s.value, s.customers + s.prospects,
               s.customers, s.prospects, s.revenue, s.ltv, s.satisfaction_sum,
               s.satisfaction_n, s.churn_sum, s.churn_n, s.orders, s.support_requests,
               s.complaints, s.visits, s.survey_responses, s.campaign_responses
        FROM cube.fact_sums(filter, 11, lo, hi, by_dimension, coalesce(reps, '{}')) s
        WHERE k IS NOT NULL
          AND NOT (by_dimension IS NULL AND coalesce(cardinality(reps), 0) = 0
                   AND NOT cube.is_filtered(filter))
          AND s.customers + s.prospects < k
    ),
    -- pooled one resolution up, the pools still under k pooled again (counts only): per
    -- small cell, the pool it falls in at each resolution, as window sums over its parents
    -- (one pass; joining pool tables on computed parents cost seconds for a month breakdown)
    parents AS (
        SELECT s.*, ref.h3_cell_to_parent(s.h3, 10) AS a10, ref.h3_cell_to_parent(s.h3, 9) AS a9,
               ref.h3_cell_to_parent(s.h3, 8) AS a8, ref.h3_cell_to_parent(s.h3, 7) AS a7,
               ref.h3_cell_to_parent(s.h3, 6) AS a6, ref.h3_cell_to_parent(s.h3, 5) AS a5
        FROM small s
    ), w10 AS (
        SELECT p.*, sum(p.n) OVER (PARTITION BY p.key, p.a10) AS n10 FROM parents p
    ), w9 AS (
        SELECT w.*, sum(w.n) FILTER (WHERE w.n10 < k) OVER (PARTITION BY w.key, w.a9) AS n9
        FROM w10 w
    ), w8 AS (
        SELECT w.*, sum(w.n) FILTER (WHERE w.n10 < k AND w.n9 < k)
                        OVER (PARTITION BY w.key, w.a8) AS n8
        FROM w9 w
    ), w7 AS (
        SELECT w.*, sum(w.n) FILTER (WHERE w.n10 < k AND w.n9 < k AND w.n8 < k)
                        OVER (PARTITION BY w.key, w.a7) AS n7
        FROM w8 w
    ), w6 AS (
        SELECT w.*, sum(w.n) FILTER (WHERE w.n10 < k AND w.n9 < k AND w.n8 < k AND w.n7 < k)
                        OVER (PARTITION BY w.key, w.a6) AS n6
        FROM w7 w
    ), w5 AS (
        SELECT w.*, sum(w.n) FILTER (WHERE w.n10 < k AND w.n9 < k AND w.n8 < k AND w.n7 < k
                                       AND w.n6 < k)
                        OVER (PARTITION BY w.key, w.a5) AS n5
        FROM w6 w
    )
    -- a small cell is held back at res when its pool stayed under k at every resolution
    -- from 10 to res
    SELECT ref.h3_cell_to_parent(s.h3, res), s.value, sum(s.customers), sum(s.prospects),
           sum(s.revenue), sum(s.ltv), sum(s.satisfaction_sum), sum(s.satisfaction_n),
           sum(s.churn_sum), sum(s.churn_n), sum(s.orders), sum(s.support_requests),
           sum(s.complaints), sum(s.visits), sum(s.survey_responses),
           sum(s.campaign_responses), count(*)
    FROM w5 s
    WHERE (res > 10 OR s.n10 < k) AND (res > 9 OR s.n9 < k) AND (res > 8 OR s.n8 < k)
      AND (res > 7 OR s.n7 < k) AND (res > 6 OR s.n6 < k) AND (res > 5 OR s.n5 < k)
    GROUP BY 1, 2
$$;
COMMENT ON FUNCTION cube.held_back(jsonb, integer, bigint, bigint, integer, integer[], text) IS 'The k-rule: per cell at a resolution (within a res-11 id range), the sums of the customers outside the user''s reps that are held back (pooled up from res 11 without reaching k), and in how many res-11 cells.';

-- The cells of the cube at resolution res (within the res-11 id range lo..hi; NULL:
-- everywhere) for a filter document, as the transaction's user may see them: the sums from
-- the precomputed roll-up when the document filters nothing (unless from_facts), else
-- aggregated from the facts (cube.fact_sums); with a filter only cells with matching
-- customers, without one also cells that only have context. Under the k-rule (k not NULL)
-- what cube.held_back holds back is taken off each cell, a cell left with no customer shown
-- and no context is left out, and suppressed_cells says how many res-11 cells were held
-- back in it (NULL: no rule).
CREATE OR REPLACE FUNCTION cube.cells(
    filter jsonb, res integer, lo bigint DEFAULT NULL, hi bigint DEFAULT NULL,
    from_facts boolean DEFAULT false)
RETURNS TABLE (
    h3 bigint, customers numeric, prospects numeric, revenue numeric, ltv numeric,
    satisfaction_sum numeric, satisfaction_n numeric, churn_sum numeric, churn_n numeric,
    orders numeric, support_requests numeric, complaints numeric, visits numeric,
    survey_responses numeric, campaign_responses numeric, footfall_sum numeric,
    footfall_n numeric, addressable_buildings numeric, households numeric,
    suppressed_cells bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    k integer := auth.min_cell_count();
    reps integer[] := auth.scope_reps();
    lo11 bigint := coalesce(lo, 0);
    hi11 bigint := coalesce(hi, 9223372036854775807);
BEGIN
    IF NOT from_facts AND NOT cube.is_filtered(filter) AND k IS NULL THEN
        -- every figure: the precomputed rows as they are
        RETURN QUERY
        SELECT r.h3, r.customers::numeric, r.prospects::numeric, r.revenue, r.ltv,
               r.satisfaction_sum, r.satisfaction_n::numeric, r.churn_sum, r.churn_n::numeric,
               r.orders::numeric, r.support_requests::numeric, r.complaints::numeric,
               r.visits::numeric, r.survey_responses::numeric, r.campaign_responses::numeric,
               r.footfall_sum, r.footfall_n::numeric, r.addressable_buildings::numeric,
               r.households, NULL::bigint
        FROM cube.rollup r
        WHERE r.res = cells.res
          AND (lo IS NULL OR r.h3 BETWEEN ref.h3_cell_to_parent(lo, cells.res)
                                      AND ref.h3_cell_to_parent(hi, cells.res))
        ORDER BY r.h3;
        RETURN;
    END IF;
    -- Under the k-rule, and for any filter, planned for each call's own values: a generic
    -- plan (after five calls) cannot leave out the branches and dimensions that do not
    -- apply, and was measured 3-5x slower.
    IF NOT from_facts AND NOT cube.is_filtered(filter) THEN
        RETURN QUERY EXECUTE $q$
        SELECT r.h3, r.customers - coalesce(b.customers, 0), r.prospects - coalesce(b.prospects, 0),
               r.revenue - coalesce(b.revenue, 0), r.ltv - coalesce(b.ltv, 0),
               r.satisfaction_sum - coalesce(b.satisfaction_sum, 0),
               r.satisfaction_n - coalesce(b.satisfaction_n, 0),
               r.churn_sum - coalesce(b.churn_sum, 0), r.churn_n - coalesce(b.churn_n, 0),
               r.orders - coalesce(b.orders, 0),
               r.support_requests - coalesce(b.support_requests, 0),
               r.complaints - coalesce(b.complaints, 0), r.visits - coalesce(b.visits, 0),
               r.survey_responses - coalesce(b.survey_responses, 0),
               r.campaign_responses - coalesce(b.campaign_responses, 0),
               r.footfall_sum::numeric, r.footfall_n::numeric,
               r.addressable_buildings::numeric, r.households::numeric, coalesce(b.cells, 0)
        FROM cube.rollup r
        LEFT JOIN cube.held_back($1, $2, $3, $4, $5, $6) b ON b.h3 = r.h3
        WHERE r.res = $2
          AND ($7 IS NULL OR r.h3 BETWEEN ref.h3_cell_to_parent($7, $2)
                                      AND ref.h3_cell_to_parent($8, $2))
          AND (b.h3 IS NULL OR r.customers + r.prospects > b.customers + b.prospects
               OR r.footfall_n + r.addressable_buildings + r.households > 0)
        ORDER BY r.h3
        $q$ USING filter, res, lo11, hi11, k, reps, lo, hi;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $q$
    WITH facts AS (
        SELECT * FROM cube.fact_sums($1, $2, $3, $4)
    ), context AS (
        SELECT ref.h3_cell_to_parent(x.h3_11, $2) AS h3,
               sum(x.footfall_sum) AS footfall_sum, sum(x.footfall_n) AS footfall_n,
               sum(x.addressable_buildings) AS addressable_buildings,
               sum(x.households) AS households
        FROM cube.cell_context x
        WHERE x.h3_11 BETWEEN $3 AND $4
        GROUP BY 1
    )
    SELECT coalesce(f.h3, x.h3),
           coalesce(f.customers, 0) - coalesce(b.customers, 0),
           coalesce(f.prospects, 0) - coalesce(b.prospects, 0),
           coalesce(f.revenue, 0) - coalesce(b.revenue, 0),
           coalesce(f.ltv, 0) - coalesce(b.ltv, 0),
           coalesce(f.satisfaction_sum, 0) - coalesce(b.satisfaction_sum, 0),
           coalesce(f.satisfaction_n, 0) - coalesce(b.satisfaction_n, 0),
           coalesce(f.churn_sum, 0) - coalesce(b.churn_sum, 0),
           coalesce(f.churn_n, 0) - coalesce(b.churn_n, 0),
           coalesce(f.orders, 0) - coalesce(b.orders, 0),
           coalesce(f.support_requests, 0) - coalesce(b.support_requests, 0),
           coalesce(f.complaints, 0) - coalesce(b.complaints, 0),
           coalesce(f.visits, 0) - coalesce(b.visits, 0),
           coalesce(f.survey_responses, 0) - coalesce(b.survey_responses, 0),
           coalesce(f.campaign_responses, 0) - coalesce(b.campaign_responses, 0),
           coalesce(x.footfall_sum, 0)::numeric, coalesce(x.footfall_n, 0)::numeric,
           coalesce(x.addressable_buildings, 0)::numeric, coalesce(x.households, 0)::numeric,
           CASE WHEN $5 IS NOT NULL THEN coalesce(b.cells, 0) END
    FROM facts f
    LEFT JOIN cube.held_back($1, $2, $3, $4, $5, $6) b ON b.h3 = f.h3
    FULL JOIN context x ON x.h3 = f.h3
    WHERE CASE WHEN b.h3 IS NULL THEN NOT cube.is_filtered($1) OR f.h3 IS NOT NULL
               ELSE f.customers + f.prospects > b.customers + b.prospects
                    OR (NOT cube.is_filtered($1)
                        AND x.footfall_n + x.addressable_buildings + x.households > 0) END
    ORDER BY 1
    $q$ USING filter, res, lo11, hi11, k, reps;
END $$;
COMMENT ON FUNCTION cube.cells(jsonb, integer, bigint, bigint, boolean) IS 'The cube''s cells at a resolution for a filter document (within a res-11 id range), as the transaction''s user may see them (the k-rule of cube.held_back).';

-- The audience of an area for the user of the transaction (what zones/count.sql and a saved
-- zone's counts show): every customer inside it when no rule applies (k NULL: exactly
-- crm.customers_in); otherwise the user's own customers inside it, exactly, plus the
-- others' shown figures (cube.held_back) of the whole cells the area holds: each cell of
-- res 5..10 it covers whose parent it does not cover, and each res-11 cell outside those
-- whose centre is in it. suppressed_cells: the res-11 cells of those whose others are held
-- back (NULL when no rule applies). The others are counted as of the cube's last refresh.
CREATE OR REPLACE FUNCTION crm.audience_counts(area geometry, filter jsonb)
RETURNS TABLE (customers bigint, prospects bigint, total bigint, revenue numeric,
               suppressed_cells bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
#variable_conflict use_column
DECLARE
    k integer := auth.min_cell_count();
    reps integer[] := auth.scope_reps();
BEGIN
    IF k IS NULL THEN
        RETURN QUERY
        SELECT count(*) FILTER (WHERE c.stage <> 'prospect'),
               count(*) FILTER (WHERE c.stage = 'prospect'), count(*),
               coalesce(sum(c.annual_revenue), 0), NULL::bigint
        FROM crm.customers_in(area, filter) c;
        RETURN;
    END IF;
    RETURN QUERY
    WITH own AS (
        SELECT count(*) FILTER (WHERE c.stage <> 'prospect') AS customers,
               count(*) FILTER (WHERE c.stage = 'prospect') AS prospects,
               coalesce(sum(c.annual_revenue), 0) AS revenue
        FROM crm.customers_in(area, filter) c
        WHERE c.assigned_rep_id = ANY (reps)
    ), covered AS (
        SELECT h.h3, h.res::integer AS res
        FROM ref.h3_cells h
        WHERE h.res BETWEEN 5 AND 10 AND h.geom && area AND ST_CoveredBy(h.geom, area)
    ), whole AS (
        -- the covered cells not inside another covered cell
        SELECT c.h3, c.res FROM covered c
        WHERE NOT EXISTS (SELECT FROM covered o
                          WHERE o.res < c.res AND o.h3 = ref.h3_cell_to_parent(c.h3, o.res))
    ), zone_cells AS (
        SELECT w.h3, w.res FROM whole w
        UNION ALL
        SELECT h.h3, 11
        FROM ref.h3_cells h
        WHERE h.res = 11 AND h.geom && area AND ST_Intersects(area, ST_Centroid(h.geom))
          AND NOT EXISTS (SELECT FROM whole w
                          WHERE w.h3 = ref.h3_cell_to_parent(h.h3, w.res))
    ), others AS (
        SELECT sum(s.customers) AS customers, sum(s.prospects) AS prospects,
               sum(s.revenue) AS revenue
        FROM zone_cells z
        CROSS JOIN LATERAL cube.fact_sums(
            filter, z.res, ref.h3_first_descendant(z.h3, 11),
            ref.h3_last_descendant(z.h3, 11), NULL, reps) s
    ), held AS (
        SELECT sum(b.customers) AS customers, sum(b.prospects) AS prospects,
               sum(b.revenue) AS revenue, sum(b.cells) AS cells
        FROM zone_cells z
        CROSS JOIN LATERAL cube.held_back(
            filter, z.res, ref.h3_first_descendant(z.h3, 11),
            ref.h3_last_descendant(z.h3, 11), k, reps) b
    )
    SELECT (own.customers + coalesce(others.customers, 0) - coalesce(held.customers, 0))::bigint,
           (own.prospects + coalesce(others.prospects, 0) - coalesce(held.prospects, 0))::bigint,
           (own.customers + own.prospects + coalesce(others.customers + others.prospects, 0)
            - coalesce(held.customers + held.prospects, 0))::bigint,
           own.revenue + coalesce(others.revenue, 0) - coalesce(held.revenue, 0),
           coalesce(held.cells, 0)::bigint
    FROM own, others, held;
END $$;
COMMENT ON FUNCTION crm.audience_counts(geometry, jsonb) IS 'The audience counts of an area for the transaction''s user: exact without the k-rule; with it, the user''s own customers exactly and the others from whole cells under the k-rule (suppressed_cells held back).';
