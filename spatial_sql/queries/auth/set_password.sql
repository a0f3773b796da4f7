UPDATE auth.users SET password_hash = :password_hash, password_changed_at = now()
WHERE user_id = :user_id
