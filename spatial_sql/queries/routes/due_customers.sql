-- The rep's placed customers most due a visit on :day (geocrm/routes.py documents the rule).
-- visits: field visits needed per month (crm.visits_per_month, the territories' rule) from
-- the contacts of the 90 days before the latest recorded interaction.
-- days_since: days from the customer's last field visit (an interaction of type 'visit'
-- on or before :day) to :day, capped at :cap_days; never visited = :cap_days.
-- owed = visits x days_since / 30: the visits the rule expected since the last one.
WITH recent AS (
    SELECT i.customer_id, count(*) AS contacts
    FROM crm.interactions i
    WHERE i.occurred_at > crm.latest_interaction_at() - interval '90 days'
    GROUP BY i.customer_id
), last_visit AS (
    SELECT i.customer_id, max(i.occurred_at) AS at
    FROM crm.interactions i
    WHERE i.type = 'visit' AND i.occurred_at < CAST(:day AS date) + 1
    GROUP BY i.customer_id
), scored AS (
    SELECT c.customer_id, c.name, c.address,
           ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat,
           crm.visits_per_month(c.stage, r.contacts) AS visits,
           least(CAST(:cap_days AS double precision),
                 coalesce(CAST(:day AS date) - CAST(lv.at AS date),
                          CAST(:cap_days AS integer)))::double precision AS days_since
    FROM crm.customers c
    LEFT JOIN recent r USING (customer_id)
    LEFT JOIN last_visit lv USING (customer_id)
    WHERE c.assigned_rep_id = CAST(:rep_id AS integer) AND c.geom IS NOT NULL
      AND NOT c.outside_city
)
SELECT customer_id, name, address, lon, lat, visits, days_since,
       visits * days_since / 30.0 AS owed
FROM scored
WHERE visits * days_since / 30.0 >= 1.0
ORDER BY owed DESC, days_since DESC, customer_id
LIMIT CAST(:max_stops AS integer)
