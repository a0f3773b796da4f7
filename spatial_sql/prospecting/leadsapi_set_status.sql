-- Set a lead's status (its row exists and is locked: leadsapi_lock_status.sql); the rep
-- and customer are those of an assignment (NULL otherwise), updated_by the user.
UPDATE crm.lead_status
SET status = :status,
    assigned_rep_id = CAST(:rep_id AS integer),
    customer_id = CAST(:customer_id AS bigint),
    updated_by = CAST(:user_id AS integer),
    updated_at = now()
WHERE lead_id = :lead_id
RETURNING lead_id, status, assigned_rep_id, customer_id
