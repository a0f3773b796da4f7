-- Strong rep-customer bonds per H3 cell at :res and current rep: a bond's strength is half
-- the relationship's age (years since relationship_start, 5 years and more = full) and half
-- the contact intensity (the customer's interactions with that rep in the last 12 months
-- before the latest recorded interaction, 12 and more = full); strong from 0.5
-- (geocrm/territories.py documents it). Only enriched customers with an owner rep count.
WITH latest AS (
    SELECT coalesce(max(occurred_at), now()) AS at FROM crm.interactions
), contacts AS (
    SELECT i.customer_id, i.rep_id, count(*) AS n
    FROM crm.interactions i, latest
    WHERE i.rep_id IS NOT NULL AND i.occurred_at > latest.at - interval '12 months'
    GROUP BY i.customer_id, i.rep_id
), bonds AS (
    SELECT ref.h3_cell_to_parent(e.h3_11, CAST(:res AS integer)) AS h3,
           c.assigned_rep_id AS rep_id,
           0.5 * least(1.0, coalesce(extract(epoch FROM latest.at - c.relationship_start::timestamptz)
                                     / (5 * 365.25 * 86400), 0))
           + 0.5 * least(1.0, coalesce(k.n, 0) / 12.0) AS strength
    FROM crm.customers c
    CROSS JOIN latest
    JOIN crm.customer_enrichment e USING (customer_id)
    LEFT JOIN contacts k ON k.customer_id = c.customer_id AND k.rep_id = c.assigned_rep_id
    WHERE c.assigned_rep_id IS NOT NULL
)
SELECT h3, rep_id, count(*)::integer AS strong
FROM bonds
WHERE strength >= 0.5
GROUP BY h3, rep_id
ORDER BY h3, rep_id
