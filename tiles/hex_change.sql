-- Layer "hex_change": the difference map of the hex cube, period b against period a. One
-- hexagon per H3 cell at the resolution of the zoom (or query.res) with the measure named by
-- query.measure (default customers; a measure of the customers) in each period: a, b,
-- change = b - a and change_pct (null when a is 0). query.a and query.b are each
-- {"month": "YYYY-MM-01"} or, for a range, {"month": first, "month_to": last} (geocrm/tiles.py
-- validates "YYYY-MM" / "YYYY-MM..YYYY-MM"); a range is the customers active in any of its
-- months, each once (cube.range_facts). Both periods go through tiles.cube_cells with the
-- query's dimension filters, so the k-rule applies to each as on the "hexes" layer. Without
-- query.a and query.b: the cube's last two months of activity (a QGIS layer with no query).
CREATE OR REPLACE FUNCTION tiles.hex_change(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
DECLARE
    res integer := coalesce((query ->> 'res')::integer, tiles.hex_res_for_zoom(z));
    box geometry := tiles.bbox(z, x, y);
    base jsonb := CAST(query AS jsonb) - 'a' - 'b' - 'month' - 'month_to';
    measure text := coalesce(query ->> 'measure', 'customers');
    months jsonb;
    a_keys jsonb := CAST(query -> 'a' AS jsonb);
    b_keys jsonb := CAST(query -> 'b' AS jsonb);
    mvt bytea;
BEGIN
    IF a_keys IS NULL OR b_keys IS NULL THEN
        -- the months of activity of the last build (geocrm.cube.build: in order)
        SELECT summary -> 'months' INTO months FROM cube.builds ORDER BY built_at DESC LIMIT 1;
        IF coalesce(jsonb_array_length(months), 0) < 2 THEN
            RETURN '';
        END IF;
        a_keys := coalesce(a_keys, jsonb_build_object('month', (months ->> -2) || '-01'));
        b_keys := coalesce(b_keys, jsonb_build_object('month', (months ->> -1) || '-01'));
    END IF;
    WITH a AS (
        SELECT * FROM tiles.cube_cells(res, box, CAST(base || a_keys AS json))
    ), b AS (
        SELECT * FROM tiles.cube_cells(res, box, CAST(base || b_keys AS json))
    ), cells AS (
        SELECT coalesce(a.h3, b.h3) AS h3, coalesce(a.geom, b.geom) AS geom,
               tiles.cube_measure(measure, a.customers, a.prospects, a.revenue, a.ltv,
                                  a.satisfaction_sum, a.satisfaction_n, a.churn_sum, a.churn_n,
                                  a.orders, a.support_requests, a.complaints, a.visits,
                                  a.survey_responses, a.campaign_responses) AS a,
               tiles.cube_measure(measure, b.customers, b.prospects, b.revenue, b.ltv,
                                  b.satisfaction_sum, b.satisfaction_n, b.churn_sum, b.churn_n,
                                  b.orders, b.support_requests, b.complaints, b.visits,
                                  b.survey_responses, b.campaign_responses) AS b
        FROM a FULL JOIN b ON b.h3 = a.h3
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    )
    SELECT coalesce(ST_AsMVT(t, 'hex_change', 4096, 'geom'), '') INTO mvt
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               lpad(to_hex(c.h3), 15, '0') AS h3, res AS res,
               c.a, c.b, c.b - c.a AS change,
               round(CAST((c.b - c.a) / nullif(c.a, 0) * 100 AS numeric), 2)::float8
                   AS change_pct
        FROM cells c
    ) t;
    RETURN mvt;
END $$;
COMMENT ON FUNCTION tiles.hex_change(integer, integer, integer, json) IS 'Tile of the difference map of the hex cube: per H3 cell a measure in period a and period b, change and change_pct (query: a, b, measure, res, dimension filters, limit).';

-- A measure of the customers from a row of cube sums (NULL sums: nothing that period, 0;
-- a mean of nobody is NULL), as geocrm.cube.query.measures computes it.
CREATE OR REPLACE FUNCTION tiles.cube_measure(
    measure text, customers numeric, prospects numeric, revenue numeric, ltv numeric,
    satisfaction_sum numeric, satisfaction_n numeric, churn_sum numeric, churn_n numeric,
    orders numeric, support_requests numeric, complaints numeric, visits numeric,
    survey_responses numeric, campaign_responses numeric)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE measure
        WHEN 'prospects' THEN coalesce(prospects, 0) WHEN 'revenue' THEN coalesce(revenue, 0)
        WHEN 'ltv' THEN coalesce(ltv, 0)
        WHEN 'mean_satisfaction' THEN satisfaction_sum / nullif(satisfaction_n, 0)
        WHEN 'mean_churn_risk' THEN churn_sum / nullif(churn_n, 0)
        WHEN 'orders' THEN coalesce(orders, 0)
        WHEN 'support_requests' THEN coalesce(support_requests, 0)
        WHEN 'complaints' THEN coalesce(complaints, 0) WHEN 'visits' THEN coalesce(visits, 0)
        WHEN 'survey_responses' THEN coalesce(survey_responses, 0)
        WHEN 'campaign_responses' THEN coalesce(campaign_responses, 0)
        ELSE coalesce(customers, 0) END::float8
$$;
