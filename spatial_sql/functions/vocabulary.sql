-- (Applied after the other files of spatial_sql/functions, in name order: it uses ref.h3_*.)
-- The cube's filter vocabulary in SQL: ONE audience predicate and ONE definition of the
-- measure sums, for the tiles, target zones, reports and cube slices. Python's
-- geocrm.vocabulary declares the same dimensions in the same order (a test compares the
-- parameters of cube.in_audience with it). Adding a dimension: a parameter and a line of
-- cube.in_audience, and the column it reads where it is called (cube.fact_sums, with its
-- breakdown by that dimension; crm.customers_in; tiles.customers;
-- queries/reports/customers.sql), besides the column of cube.facts it needs.
--
-- A filter document (jsonb) maps a dimension to an array of text values (alternatives)
-- and "month" to the first day of a month of activity; an absent key filters nothing.
-- geocrm.vocabulary.filter_document writes it; cube.audience_filter reads any looser
-- form (a tile query from another tile server, a saved zone's filters).

-- Every overload (of cube.in_audience and cube.fact_sums) is dropped first: a dimension or
-- a parameter added changes the signature, and the old function would otherwise linger
-- beside the new one (SQL-language bodies record no
-- dependencies, so nothing else is dropped with it).
DO $$
DECLARE
    old regprocedure;
BEGIN
    FOR old IN SELECT p.oid::regprocedure FROM pg_proc p
               WHERE p.pronamespace = 'cube'::regnamespace
                 AND p.proname IN ('in_audience', 'fact_sums') LOOP
        EXECUTE format('DROP FUNCTION %s', old);
    END LOOP;
END $$;

-- Whether a customer (or a row of cube.facts) with these dimension values is in the
-- audience of a filter document. Inlined by the planner into the calling query (LANGUAGE
-- sql, one expression, not STRICT, each value used once): with the document bound, every
-- dimension it does not filter folds away to true at planning, so an unfiltered query
-- pays nothing, and a value passed as a scalar subquery (the enrichment) is read only
-- when its dimension is filtered. Where a plan is generic (the document a parameter), each
-- row pays a key lookup per dimension ("filter ? key": no copy of the value) and no more
-- for the dimensions not filtered. A NULL document filters nothing. Values default to
-- NULL: cube.in_audience(filter) is true only for a document that filters no dimension.
CREATE FUNCTION cube.in_audience(
    filter jsonb,
    stage text DEFAULT NULL,
    segment text DEFAULT NULL,
    kind text DEFAULT NULL,
    building_class text DEFAULT NULL,
    store_id bigint DEFAULT NULL,
    rep_id bigint DEFAULT NULL,
    territory_id bigint DEFAULT NULL)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ((filter ? 'stage') IS NOT TRUE OR filter -> 'stage' ? stage)
       AND ((filter ? 'segment') IS NOT TRUE OR filter -> 'segment' ? segment)
       AND ((filter ? 'kind') IS NOT TRUE OR filter -> 'kind' ? kind)
       AND ((filter ? 'building_class') IS NOT TRUE
            OR filter -> 'building_class' ? building_class)
       AND ((filter ? 'store_id') IS NOT TRUE OR filter -> 'store_id' ? CAST(store_id AS text))
       AND ((filter ? 'rep_id') IS NOT TRUE OR filter -> 'rep_id' ? CAST(rep_id AS text))
       AND ((filter ? 'territory_id') IS NOT TRUE
            OR filter -> 'territory_id' ? CAST(territory_id AS text))
$$;
COMMENT ON FUNCTION cube.in_audience(jsonb, text, text, text, text, bigint, bigint, bigint) IS 'The audience predicate of the cube''s dimensions: whether these dimension values match a filter document (the parameters are the dimensions of geocrm.vocabulary, in order).';

-- A filter document from any looser form: each value an array of text (a scalar is one
-- value, a text is split on commas as in a query string, numbers become text), empty values
-- dropped, "month" (and "month_to", the last month of a range) as the first day of its
-- month ('YYYY-MM' or a date). Other keys of a
-- tile query (limit, measure, ...) pass through the same way and are ignored by the
-- predicate. Run once per query (it is not inlined), never per row.
CREATE OR REPLACE FUNCTION cube.audience_filter(query jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    -- plpgsql, not sql: its query is planned once per session, not once per transaction
    -- (a tile function calls it once per tile)
    RETURN (
        SELECT coalesce(jsonb_object_agg(key, CASE WHEN key IN ('month', 'month_to')
                                                  THEN to_jsonb(left(vals[1], 7) || '-01')
                                                  ELSE to_jsonb(vals) END), '{}')
        FROM (
            SELECT q.key, ARRAY(
                       SELECT trim(v)
                       FROM jsonb_array_elements_text(CASE jsonb_typeof(q.value)
                                                          WHEN 'array' THEN q.value
                                                          ELSE jsonb_build_array(q.value)
                                                      END) e(t)
                       CROSS JOIN LATERAL unnest(CASE jsonb_typeof(q.value)
                                                     WHEN 'string' THEN string_to_array(e.t, ',')
                                                     ELSE ARRAY[e.t] END) v
                       WHERE trim(v) <> '') AS vals
            FROM jsonb_each(query) q
            WHERE jsonb_typeof(q.value) <> 'null'
        ) f
        WHERE cardinality(vals) > 0);
END $$;
COMMENT ON FUNCTION cube.audience_filter(jsonb) IS 'A filter document (each key an array of text, month as YYYY-MM-01) from a tile query or saved filters.';

-- Whether a filter document filters anything (a dimension or the month).
CREATE OR REPLACE FUNCTION cube.is_filtered(filter jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT filter ->> 'month' IS NOT NULL OR cube.in_audience(filter) IS NOT TRUE $$;

-- Whether a customer had an interaction in a month of activity (cube.activity_month: the
-- calendar month in UTC, as range bounds so that interactions_customer_idx serves it).
CREATE OR REPLACE FUNCTION cube.active_in_month(customer_id bigint, month date)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT EXISTS (
        SELECT FROM crm.interactions i
        WHERE i.customer_id = active_in_month.customer_id
          AND i.occurred_at >= month::timestamp AT TIME ZONE 'UTC'
          AND i.occurred_at < (month + interval '1 month') AT TIME ZONE 'UTC')
$$;

-- The customers whose point intersects an area (a point on the boundary is inside) and who
-- match a filter document (dimensions and month): the audience of a target zone. Inlined
-- into the caller: one GiST index scan of crm.customers.geom, the enrichment read only for
-- its filters.
CREATE OR REPLACE FUNCTION crm.customers_in(area geometry, filter jsonb)
RETURNS SETOF crm.customers
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT c.*
    FROM crm.customers c
    -- the explicit && (LEAKPROOF, spatial_sql/access.sql) is what lets row-level security
    -- keep the GiST index: ST_Intersects' own index condition is not derived for a
    -- function that is not leakproof when a policy applies
    WHERE c.geom && area AND ST_Intersects(area, c.geom)
      AND cube.in_audience(
              filter, c.stage, c.segment, c.kind,
              (SELECT e.building_class FROM crm.customer_enrichment e
               WHERE e.customer_id = c.customer_id),
              (SELECT e.nearest_store_id FROM crm.customer_enrichment e
               WHERE e.customer_id = c.customer_id),
              c.assigned_rep_id, c.territory_id)
      AND (filter ->> 'month' IS NULL
           OR cube.active_in_month(c.customer_id, CAST(filter ->> 'month' AS date)))
$$;

-- THE measure sums: the additive sums of the facts matching a filter document, per cell at
-- resolution res (the parent of each res-11 fact) within the res-11 id range lo..hi, from
-- cube.facts, or from cube.activity_facts for the document's month (the customers active
-- that month, with that month's interactions), or for a range of months (month..month_to)
-- from cube.range_facts (each customer active in the range once). With by_dimension (a dimension name, or 'month' for
-- every month of activity) they are broken down by that dimension's value too. With
-- except_reps, the facts of those reps' customers are left out (the others' share of a
-- cell: cube.held_back). Inlined into the caller, so a range given by the caller's rows is
-- an index range scan; the arguments left NULL fold away.
CREATE OR REPLACE FUNCTION cube.fact_sums(
    filter jsonb, res integer, lo bigint, hi bigint, by_dimension text DEFAULT NULL,
    except_reps integer[] DEFAULT NULL)
RETURNS TABLE (
    h3 bigint, value text, customers numeric, prospects numeric, revenue numeric,
    ltv numeric, satisfaction_sum numeric, satisfaction_n numeric, churn_sum numeric,
    churn_n numeric, orders numeric, support_requests numeric, complaints numeric,
    visits numeric, survey_responses numeric, campaign_responses numeric)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT ref.h3_cell_to_parent(f.h3_11, res),
           CASE by_dimension WHEN 'stage' THEN f.stage WHEN 'segment' THEN f.segment
                   WHEN 'kind' THEN f.kind WHEN 'building_class' THEN f.building_class
                   WHEN 'store_id' THEN CAST(f.store_id AS text)
                   WHEN 'rep_id' THEN CAST(f.rep_id AS text)
                   WHEN 'territory_id' THEN CAST(f.territory_id AS text)
                   WHEN 'month' THEN to_char(f.month, 'YYYY-MM') END,
           sum(f.customers)::numeric, sum(f.prospects)::numeric, sum(f.revenue), sum(f.ltv),
           sum(f.satisfaction_sum), sum(f.satisfaction_n)::numeric,
           sum(f.churn_sum), sum(f.churn_n)::numeric,
           sum(f.orders)::numeric, sum(f.support_requests)::numeric,
           sum(f.complaints)::numeric, sum(f.visits)::numeric,
           sum(f.survey_responses)::numeric, sum(f.campaign_responses)::numeric
    FROM (
        SELECT x.h3_11, NULL::date AS month, x.stage, x.segment, x.kind, x.building_class,
               x.store_id, x.rep_id, x.territory_id, x.customers, x.prospects, x.revenue,
               x.ltv, x.satisfaction_sum, x.satisfaction_n, x.churn_sum, x.churn_n,
               x.orders, x.support_requests, x.complaints, x.visits, x.survey_responses,
               x.campaign_responses
        FROM cube.facts x
        WHERE filter ->> 'month' IS NULL AND by_dimension IS DISTINCT FROM 'month'
          AND x.h3_11 BETWEEN lo AND hi
        UNION ALL
        SELECT x.h3_11, x.month, x.stage, x.segment, x.kind, x.building_class,
               x.store_id, x.rep_id, x.territory_id, x.customers, x.prospects, x.revenue,
               x.ltv, x.satisfaction_sum, x.satisfaction_n, x.churn_sum, x.churn_n,
               x.orders, x.support_requests, x.complaints, x.visits, x.survey_responses,
               x.campaign_responses
        FROM cube.activity_facts x
        WHERE ((x.month = CAST(filter ->> 'month' AS date) AND filter ->> 'month_to' IS NULL)
               OR by_dimension = 'month')
          AND x.h3_11 BETWEEN lo AND hi
        UNION ALL
        -- a range of months (month..month_to): each customer active in it once
        -- (cube.range_facts), never a sum over months
        SELECT x.h3_11, NULL::date, x.stage, x.segment, x.kind, x.building_class,
               x.store_id, x.rep_id, x.territory_id, x.customers, x.prospects, x.revenue,
               x.ltv, x.satisfaction_sum, x.satisfaction_n, x.churn_sum, x.churn_n,
               x.orders, x.support_requests, x.complaints, x.visits, x.survey_responses,
               x.campaign_responses
        FROM cube.range_facts(CAST(filter ->> 'month' AS date),
                              CAST(filter ->> 'month_to' AS date), lo, hi) x
        WHERE filter ->> 'month_to' IS NOT NULL AND by_dimension IS DISTINCT FROM 'month'
    ) f
    WHERE cube.in_audience(filter, f.stage, f.segment, f.kind, f.building_class, f.store_id,
                           f.rep_id, f.territory_id)
      AND (except_reps IS NULL OR f.rep_id IS NULL OR f.rep_id <> ALL (except_reps))
    GROUP BY 1, 2
$$;
COMMENT ON FUNCTION cube.fact_sums(jsonb, integer, bigint, bigint, text, integer[]) IS 'The additive measure sums of the cube facts matching a filter document, per cell at a resolution within a res-11 id range (optionally by a dimension''s value, optionally without the customers of some reps).';
