-- Re-evaluate outside_city for every customer against the loaded cities' extent grown by
-- :margin_m metres (after `geocrm load-osm` changed the cities, or at the start of
-- `geocrm enrich`, which applies a changed margin): one set-based UPDATE that writes only the
-- rows whose flag changes, the polygon prepared once (ref.city_area()). Customers newly
-- outside lose their enrichment (the triggers queue their cube cells); those newly inside
-- have none, so the next enrichment (`geocrm enrich`, or the hook after a change) does them.
WITH area AS MATERIALIZED (  -- computed once, not once a row
    SELECT ref.city_area(:margin_m) AS geom
), changed AS (
    UPDATE crm.customers c
    SET outside_city = crm.outside_city(c.geom, area.geom)
    FROM area
    WHERE c.outside_city IS DISTINCT FROM crm.outside_city(c.geom, area.geom)
    RETURNING c.customer_id, c.outside_city
), dropped AS (
    DELETE FROM crm.customer_enrichment e
    USING changed x
    WHERE e.customer_id = x.customer_id AND x.outside_city
)
SELECT count(*) FILTER (WHERE outside_city) AS flagged,
       count(*) FILTER (WHERE NOT outside_city) AS unflagged
FROM changed
