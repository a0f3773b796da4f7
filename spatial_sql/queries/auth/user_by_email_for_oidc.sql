-- The user an e-mail a provider vouches for belongs to, with any link it already has.
SELECT user_id, email, display_name, role, reps, disabled_at, oidc_issuer, oidc_subject
FROM auth.users WHERE email = lower(btrim(:email))
FOR UPDATE
