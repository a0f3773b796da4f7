-- The enabled user of a live session. When it was last used is recorded at most once a
-- minute: a request then only reads (no row version written per request).
WITH live AS (
    SELECT s.session_hash, s.last_seen_at, s.csrf_token,
           u.user_id, u.email, u.display_name, u.role, u.reps
    FROM auth.sessions s
    JOIN auth.users u ON u.user_id = s.user_id AND u.disabled_at IS NULL
    WHERE s.session_hash = :session_hash AND s.expires_at > now()
), touched AS (
    UPDATE auth.sessions s SET last_seen_at = now()
    FROM live
    WHERE s.session_hash = live.session_hash AND live.last_seen_at < now() - interval '1 minute'
)
SELECT user_id, email, display_name, role, reps, csrf_token FROM live
