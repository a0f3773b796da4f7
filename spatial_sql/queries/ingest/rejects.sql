-- The quarantined rows of one import.
SELECT line, external_id, reason, raw
FROM crm.import_rejects
WHERE import_id = :import_id
ORDER BY line
LIMIT :limit
