-- A lead's status row, made ('new') if it has none, so that it can be locked; nothing
-- when the lead is not one the transaction's user sees (row-level security).
INSERT INTO crm.lead_status (lead_id, status)
SELECT l.lead_id, 'new' FROM crm.leads l WHERE l.lead_id = :lead_id
ON CONFLICT (lead_id) DO NOTHING
