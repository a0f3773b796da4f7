-- The two reps with the most customers: the demo rep works the first one's accounts, the
-- demo manager manages both.
SELECT r.rep_id, r.name, count(*) AS customers
FROM crm.reps r JOIN crm.customers c ON c.assigned_rep_id = r.rep_id
GROUP BY r.rep_id, r.name
ORDER BY count(*) DESC, r.rep_id
LIMIT 2
