-- Database ids of the demo reps, by external id.
SELECT external_id, rep_id FROM crm.reps WHERE source = 'demo'
