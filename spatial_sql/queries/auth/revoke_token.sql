UPDATE auth.tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = :token_id
RETURNING token_id
