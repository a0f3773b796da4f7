-- A rep by id: whether it exists and is active, and its region (a new prospect's region).
SELECT r.rep_id, r.name, r.region, r.active FROM crm.reps r WHERE r.rep_id = :rep_id
