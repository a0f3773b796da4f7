DELETE FROM auth.sessions WHERE user_id = :user_id AND (CAST(:keep AS bytea) IS NULL OR session_hash <> :keep)
