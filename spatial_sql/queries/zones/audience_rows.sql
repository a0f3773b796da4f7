-- A page of the audience of an area (:wkb, WKB in lon/lat) under the filter document
-- :filter: the rows of zones/audience.sql (crm.customers_in, the customers the
-- transaction's user may see), sorted by :sort (a column name checked by
-- geocrm.zones.table against its list) in :order ('asc' or 'desc'), the customer id
-- breaking ties; total_rows: every row of the audience, on each row of the page.
WITH audience AS (
    SELECT c.customer_id, c.name, c.address, c.stage, c.segment, c.kind,
           c.annual_revenue AS revenue, r.name AS rep,
           round(ST_X(c.geom)::numeric, 7) AS lon, round(ST_Y(c.geom)::numeric, 7) AS lat
    FROM crm.customers_in(ST_GeomFromWKB(:wkb, 4326), CAST(:filter AS jsonb)) c
    LEFT JOIN crm.reps r ON r.rep_id = c.assigned_rep_id
), keyed AS (
    -- one text key and one number key per row: the column sorted on, the other NULL
    SELECT a.*,
           CASE CAST(:sort AS text)
               WHEN 'name' THEN lower(a.name)
               WHEN 'address' THEN lower(a.address)
               WHEN 'segment' THEN lower(a.segment)
               WHEN 'kind' THEN a.kind
               WHEN 'rep' THEN lower(a.rep)
           END AS text_key,
           CASE CAST(:sort AS text)
               WHEN 'revenue' THEN a.revenue
               -- the ladder's order, prospect first
               WHEN 'stage' THEN array_position(
                   ARRAY['prospect', 'customer', 'client', 'supporter', 'advocate', 'partner'],
                   a.stage)::numeric
               WHEN 'customer_id' THEN a.customer_id::numeric
           END AS number_key,
           count(*) OVER () AS total_rows
    FROM audience a
)
SELECT customer_id, name, address, stage, segment, kind, revenue, rep, lon, lat, total_rows
FROM keyed
ORDER BY CASE WHEN :order = 'asc' THEN text_key END ASC NULLS LAST,
         CASE WHEN :order = 'desc' THEN text_key END DESC NULLS LAST,
         CASE WHEN :order = 'asc' THEN number_key END ASC NULLS LAST,
         CASE WHEN :order = 'desc' THEN number_key END DESC NULLS LAST,
         customer_id
LIMIT :page_size OFFSET :offset
