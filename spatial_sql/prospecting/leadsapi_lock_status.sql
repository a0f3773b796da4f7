-- A lead's status row, locked until the transaction ends: two people assigning (or
-- changing) the same lead at once are served one after the other, the second seeing
-- what the first decided. With the lead's and its rep's names, for the messages.
SELECT s.lead_id, s.status, s.assigned_rep_id, s.customer_id,
       l.name AS lead_name, r.name AS rep_name
FROM crm.lead_status s
JOIN crm.leads l ON l.lead_id = s.lead_id
LEFT JOIN crm.reps r ON r.rep_id = s.assigned_rep_id
WHERE s.lead_id = :lead_id
FOR UPDATE OF s
