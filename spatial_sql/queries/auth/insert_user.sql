INSERT INTO auth.users (email, display_name, role, reps, password_hash, password_changed_at)
VALUES (lower(btrim(:email)), :display_name, :role, :reps, :password_hash, now())
RETURNING user_id
