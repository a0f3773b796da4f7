UPDATE auth.users SET disabled_at = coalesce(disabled_at, now()) WHERE user_id = :user_id
