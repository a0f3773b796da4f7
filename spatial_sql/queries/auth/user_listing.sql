-- One user as `users list` shows them.
SELECT u.user_id, u.email, u.display_name, u.role, u.reps, u.disabled_at, u.created_at,
       (SELECT max(s.last_seen_at) FROM auth.sessions s WHERE s.user_id = u.user_id) AS last_seen_at
FROM auth.users u WHERE u.user_id = :user_id
