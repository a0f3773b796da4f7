INSERT INTO auth.tokens (user_id, name, token_hash, expires_at)
VALUES (:user_id, :name, :token_hash, now() + CAST(:days AS float8) * interval '1 day')
RETURNING token_id
