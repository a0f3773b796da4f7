DELETE FROM auth.sessions WHERE session_hash = :session_hash OR expires_at < now()
