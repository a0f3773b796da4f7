SELECT audit_id, at, user_id, actor, action, target, detail, request_id
FROM auth.audit_log
WHERE (CAST(:since AS timestamptz) IS NULL OR at >= :since)
  AND (CAST(:action AS text) IS NULL OR action = :action)
  AND (CAST(:actor AS text) IS NULL OR actor = :actor)
ORDER BY audit_id DESC
LIMIT :limit
