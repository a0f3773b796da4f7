-- The enabled user of a live (unexpired, unrevoked) token.
UPDATE auth.tokens t SET last_used_at = now()
FROM auth.users u
WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
  AND u.user_id = t.user_id AND u.disabled_at IS NULL
RETURNING u.user_id, u.email, u.display_name, u.role, u.reps, t.token_id
