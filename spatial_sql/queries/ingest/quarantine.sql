-- Rows with problems go to the quarantine with their reasons and their fields as read.
INSERT INTO crm.import_rejects (import_id, line, external_id, reason, raw)
SELECT :import_id, c.line, c.external_id, array_to_string(c.problems, '; '),
       to_jsonb(s) - 'line' - 'parse_problem'
FROM stage_checked c
JOIN stage_import s USING (line)
WHERE cardinality(c.problems) > 0
