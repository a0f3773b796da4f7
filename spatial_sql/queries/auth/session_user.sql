-- The enabled user of a live session; touching it records when it was last used.
UPDATE auth.sessions s SET last_seen_at = now()
FROM auth.users u
WHERE s.session_hash = :session_hash AND s.expires_at > now()
  AND u.user_id = s.user_id AND u.disabled_at IS NULL
RETURNING u.user_id, u.email, u.display_name, u.role, u.reps, s.csrf_token
