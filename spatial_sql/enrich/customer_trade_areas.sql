-- The trade areas each point falls in, joined piece-first.
CREATE TEMP TABLE todo_trade_areas ON COMMIT DROP AS
SELECT p.customer_id, array_agg(DISTINCT a.trade_area_id ORDER BY a.trade_area_id) AS ids
FROM crm.trade_area_parts a
JOIN todo_points p ON ST_Intersects(a.geom, p.geom)
GROUP BY p.customer_id;
