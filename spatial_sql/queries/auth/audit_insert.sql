INSERT INTO auth.audit_log (user_id, actor, action, target, detail, request_id)
VALUES (:user_id, :actor, :action, :target, CAST(:detail AS jsonb), :request_id)
