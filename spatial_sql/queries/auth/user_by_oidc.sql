SELECT user_id, email, display_name, role, reps, disabled_at
FROM auth.users WHERE oidc_issuer = :issuer AND oidc_subject = :subject
