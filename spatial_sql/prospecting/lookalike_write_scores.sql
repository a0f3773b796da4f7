-- Write the lookalike score and its three reasons onto the leads (geocrm/prospecting/
-- lookalike.py): one row per lead in the bound arrays.
UPDATE crm.leads l
SET score = v.score, reasons = ARRAY[v.r1, v.r2, v.r3]
FROM unnest(CAST(:lead_ids AS text[]), CAST(:scores AS real[]), CAST(:r1 AS text[]),
            CAST(:r2 AS text[]), CAST(:r3 AS text[])) AS v(lead_id, score, r1, r2, r3)
WHERE l.lead_id = v.lead_id
