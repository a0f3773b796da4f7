SELECT rep_id FROM crm.reps WHERE rep_id = ANY (:reps)
