-- GDPR erasure: refused import rows that carry the external id (as export_rejects finds
-- them); returns each import touched once, with its rejects report file.
WITH gone AS (
    DELETE FROM crm.import_rejects r
    WHERE r.external_id = :external_id
       OR EXISTS (SELECT 1 FROM jsonb_each_text(r.raw) f WHERE btrim(f.value) = :external_id)
    RETURNING r.import_id
)
SELECT g.import_id, j.rejects_file, count(*) AS rows
FROM gone g JOIN crm.import_jobs j USING (import_id)
GROUP BY g.import_id, j.rejects_file
ORDER BY g.import_id
