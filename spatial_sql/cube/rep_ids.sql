SELECT rep_id FROM crm.reps ORDER BY rep_id
