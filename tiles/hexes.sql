-- Layer "hexes": the hex cube. One hexagon per H3 cell at the resolution of the zoom
-- (tiles.hex_res_for_zoom, or query.res), with every measure of the cube and `value`, the
-- measure named by query.measure (default customers) for styling. Filters: stage, segment,
-- kind, building_class, store_id, rep_id, territory_id (each one value or an array).
-- Under the k-rule (tiles.cube_cells) the figures are those the user may see, and
-- suppressed_cells (only then) says how many res-11 cells of a hexagon were held back.
CREATE OR REPLACE FUNCTION tiles.hexes(z integer, x integer, y integer, query json)
RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
SET jit = off  -- a tile is a short query: compiling it costs more than it saves
AS $$
    WITH sums AS (
        SELECT * FROM tiles.cube_cells(
            coalesce((query ->> 'res')::integer, tiles.hex_res_for_zoom(z)),
            tiles.bbox(z, x, y), query)
        LIMIT coalesce((query ->> 'limit')::integer, 50000)
    ), measures AS (
        SELECT h3, geom,
               customers::integer AS customers, prospects::integer AS prospects,
               revenue::float8 AS revenue, ltv::float8 AS ltv,
               (satisfaction_sum / nullif(satisfaction_n, 0))::float8 AS mean_satisfaction,
               (churn_sum / nullif(churn_n, 0))::float8 AS mean_churn_risk,
               orders::integer AS orders, support_requests::integer AS support_requests,
               complaints::integer AS complaints, visits::integer AS visits,
               survey_responses::integer AS survey_responses,
               campaign_responses::integer AS campaign_responses,
               (footfall_sum / nullif(footfall_n, 0))::float8 AS footfall,
               addressable_buildings::integer AS addressable_buildings,
               households::float8 AS households,
               (customers / nullif(households, 0))::float8 AS penetration,
               suppressed_cells::integer AS suppressed_cells
        FROM sums
    )
    SELECT coalesce(ST_AsMVT(t, 'hexes', 4096, 'geom'), '')
    FROM (
        SELECT ST_AsMVTGeom(ST_Transform(m.geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64, true)
                   AS geom,
               lpad(to_hex(m.h3), 15, '0') AS h3,
               ref.h3_get_resolution(m.h3) AS res,
               CASE query ->> 'measure'
                   WHEN 'prospects' THEN m.prospects WHEN 'revenue' THEN m.revenue
                   WHEN 'ltv' THEN m.ltv WHEN 'mean_satisfaction' THEN m.mean_satisfaction
                   WHEN 'mean_churn_risk' THEN m.mean_churn_risk WHEN 'orders' THEN m.orders
                   WHEN 'support_requests' THEN m.support_requests
                   WHEN 'complaints' THEN m.complaints WHEN 'visits' THEN m.visits
                   WHEN 'survey_responses' THEN m.survey_responses
                   WHEN 'campaign_responses' THEN m.campaign_responses
                   WHEN 'footfall' THEN m.footfall
                   WHEN 'addressable_buildings' THEN m.addressable_buildings
                   WHEN 'households' THEN m.households WHEN 'penetration' THEN m.penetration
                   ELSE m.customers END::float8 AS value,
               m.customers, m.prospects, m.revenue, m.ltv, m.mean_satisfaction,
               m.mean_churn_risk, m.orders, m.support_requests, m.complaints, m.visits,
               m.survey_responses, m.campaign_responses, m.footfall,
               m.addressable_buildings, m.households, m.penetration, m.suppressed_cells
        FROM measures m
    ) t
$$;
COMMENT ON FUNCTION tiles.hexes(integer, integer, integer, json) IS 'Tile of the hex cube: H3 cells at the zoom''s resolution with their measures (query: measure, res, dimension filters, limit).';
