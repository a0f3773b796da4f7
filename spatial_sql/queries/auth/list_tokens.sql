SELECT t.token_id, u.email, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
FROM auth.tokens t JOIN auth.users u USING (user_id)
WHERE CAST(:email AS text) IS NULL OR u.email = lower(btrim(:email))
ORDER BY t.token_id
