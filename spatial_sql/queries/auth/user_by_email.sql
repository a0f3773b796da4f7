SELECT user_id, email, display_name, role, reps, password_hash, disabled_at
FROM auth.users WHERE email = lower(btrim(:email))
