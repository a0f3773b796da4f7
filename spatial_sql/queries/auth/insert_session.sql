INSERT INTO auth.sessions (session_hash, user_id, csrf_token, expires_at)
VALUES (:session_hash, :user_id, :csrf_token, now() + make_interval(secs => :seconds))
