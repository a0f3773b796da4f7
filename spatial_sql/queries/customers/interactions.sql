-- One customer's interaction history, newest first (index interactions_customer_idx), at
-- most :limit rows, as a JSON array; NULL when there is no such customer.
SELECT coalesce(json_agg(json_build_object(
               'interaction_id', i.interaction_id, 'occurred_at', i.occurred_at,
               'type', i.type, 'channel', i.channel, 'amount', i.amount, 'score', i.score,
               'rep_id', i.rep_id, 'rep_name', r.name, 'source', i.source)
           ORDER BY i.occurred_at DESC, i.interaction_id DESC)
           FILTER (WHERE i.interaction_id IS NOT NULL), '[]'::json) AS interactions
FROM crm.customers c
LEFT JOIN LATERAL (
    SELECT * FROM crm.interactions x
    WHERE x.customer_id = c.customer_id
    ORDER BY x.occurred_at DESC, x.interaction_id DESC
    LIMIT :limit
) i ON true
LEFT JOIN crm.reps r ON r.rep_id = i.rep_id
WHERE c.customer_id = :customer_id
GROUP BY c.customer_id
