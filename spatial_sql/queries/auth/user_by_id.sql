SELECT user_id, email, display_name, role, reps, disabled_at
FROM auth.users WHERE user_id = :user_id
