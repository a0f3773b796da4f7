UPDATE auth.users SET role = :role, reps = :reps WHERE user_id = :user_id
