-- The enabled user of a live (unexpired, unrevoked) token. When it was last used is
-- recorded at most once a minute: a request then only reads.
WITH live AS (
    SELECT t.token_id, t.last_used_at, u.user_id, u.email, u.display_name, u.role, u.reps
    FROM auth.tokens t
    JOIN auth.users u ON u.user_id = t.user_id AND u.disabled_at IS NULL
    WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > now())
), touched AS (
    UPDATE auth.tokens t SET last_used_at = now()
    FROM live
    WHERE t.token_id = live.token_id
      AND (live.last_used_at IS NULL OR live.last_used_at < now() - interval '1 minute')
)
SELECT user_id, email, display_name, role, reps, token_id FROM live
