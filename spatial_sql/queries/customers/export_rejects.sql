-- GDPR access: rows of imports that were refused and carry the external id (in the
-- external_id column or as any field of the row as read).
SELECT r.import_id, j.source_name, j.created_at AS imported_at, r.line, r.external_id,
       r.reason, r.raw
FROM crm.import_rejects r
JOIN crm.import_jobs j USING (import_id)
WHERE r.external_id = :external_id
   OR EXISTS (SELECT 1 FROM jsonb_each_text(r.raw) f WHERE btrim(f.value) = :external_id)
ORDER BY r.import_id, r.line
