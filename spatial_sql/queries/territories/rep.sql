-- One rep, to check a territory's new owner.
SELECT rep_id, name, active FROM crm.reps WHERE rep_id = :rep_id
