-- Customers for the plan-comparison benchmark, in SQL (no import, no geocoding, no city):
-- :rows customers spread evenly over ~17 x 14 km around central Helsinki, owned by 12 reps,
-- relationships of up to 10 years; deterministic (hashes of the row number).
INSERT INTO crm.reps (external_id, name, region, home_base)
SELECT 'bench-rep-' || g, 'Rep ' || g, 'bench',
       ST_SetSRID(ST_MakePoint(24.85 + 0.02 * g, 60.15 + 0.008 * g), 4326)
FROM generate_series(1, 12) g;

INSERT INTO crm.customers (external_id, name, kind, region, stage, annual_revenue,
                           assigned_rep_id, relationship_start, geom, source)
SELECT 'bench-' || g, 'Customer ' || g, 'person', 'bench',
       (ARRAY['prospect', 'customer', 'client', 'supporter', 'advocate', 'partner'])[1 + g % 6],
       (g % 1000) * 10,
       (SELECT min(rep_id) FROM crm.reps) + (hashint4(g) & 2147483647) % 12,
       date '2026-10-01' - (hashint4(g * 7) & 2147483647) % 3650,
       ST_SetSRID(ST_MakePoint(
           24.80 + 0.30 * ((hashint4(g * 3) & 2147483647) / 2147483647.0),
           60.12 + 0.13 * ((hashint4(g * 5) & 2147483647) / 2147483647.0)), 4326),
       'import'
FROM generate_series(1, :rows) g;

-- 0..8 interactions per customer (4 on average) over the 12 months of the demo CRM, two in
-- three with the customer's owner rep (so that some bonds are strong).
INSERT INTO crm.interactions (customer_id, type, channel, occurred_at, rep_id, source)
SELECT c.customer_id, 'visit', 'field',
       timestamptz '2025-11-01 00:00+00' + (h % 365) * interval '1 day',
       CASE WHEN h % 3 = 0 THEN NULL ELSE c.assigned_rep_id END, 'bench'
FROM crm.customers c
CROSS JOIN LATERAL generate_series(
    1, ((hashint8extended(c.customer_id, 7) & 9223372036854775807) % 9)::integer) g
CROSS JOIN LATERAL (
    SELECT hashint8extended(c.customer_id * 16 + g, 0) & 9223372036854775807 AS h) x
WHERE c.source = 'import';
