UPDATE auth.users SET oidc_issuer = :issuer, oidc_subject = :subject
WHERE user_id = :user_id AND oidc_subject IS NULL
RETURNING user_id
