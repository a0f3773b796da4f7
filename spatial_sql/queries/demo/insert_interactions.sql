-- The staged demo interactions, with database ids for their customer and rep.
INSERT INTO crm.interactions (customer_id, type, channel, occurred_at, amount, rep_id, score,
                              source)
SELECT c.customer_id, s.type, s.channel, s.occurred_at, s.amount, r.rep_id, s.score, 'demo'
FROM stage_interactions s
JOIN crm.customers c ON c.external_id = s.customer_external_id
LEFT JOIN crm.reps r ON r.external_id = s.rep_external_id
