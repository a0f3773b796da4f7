-- Replace the city's leads (lead_build) by the build's (lead_rows) less those that are
-- customers (lead_matches). A lead's score and reasons, written by the lookalike model,
-- are kept for the same lead_id until it scores again; crm.lead_status is never touched.
-- A lead already held by another loaded city (overlapping extracts) stays that city's.
CREATE TEMP TABLE lead_previous ON COMMIT DROP AS
SELECT l.lead_id, l.score, l.reasons
FROM crm.leads l CROSS JOIN lead_build s
WHERE l.dataset_id = s.dataset_id AND (l.score IS NOT NULL OR l.reasons <> '{}');
CREATE UNIQUE INDEX ON lead_previous (lead_id);
DELETE FROM crm.leads l USING lead_build s WHERE l.dataset_id = s.dataset_id;
