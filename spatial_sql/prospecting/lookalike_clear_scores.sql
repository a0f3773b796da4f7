-- No model beats random (or there is none): no lead shows a score or reasons.
UPDATE crm.leads SET score = NULL, reasons = '{}'
WHERE score IS NOT NULL OR cardinality(reasons) > 0
