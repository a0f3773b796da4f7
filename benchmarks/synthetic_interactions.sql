-- Interactions for the synthetic customers (source 'import') of the cube benchmark:
-- 0..8 per customer (4 on average), deterministic (hashes of the customer id), spread over
-- the 12 months of the demo CRM (2025-11 .. 2026-10, UTC), half of them orders.
INSERT INTO crm.interactions (customer_id, type, channel, occurred_at, source)
SELECT c.customer_id,
       (ARRAY['order', 'order', 'order', 'order', 'visit', 'support_request', 'complaint',
              'survey_response', 'campaign_response', 'visit'])[1 + h % 10],
       'web',
       timestamptz '2025-11-01 00:00+00' + (h / 10 % 365) * interval '1 day'
           + (h / 3650 % 86400) * interval '1 second',
       'bench'
FROM crm.customers c
CROSS JOIN LATERAL generate_series(
    1, ((hashint8extended(c.customer_id, 7) & 9223372036854775807) % 9)::integer) g
CROSS JOIN LATERAL (
    SELECT hashint8extended(c.customer_id * 16 + g, 0) & 9223372036854775807 AS h) x
WHERE c.source = 'import'
