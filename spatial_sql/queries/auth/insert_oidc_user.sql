-- A user first signing in through the provider: no password, linked from the start.
INSERT INTO auth.users (email, display_name, role, oidc_issuer, oidc_subject)
VALUES (lower(btrim(:email)), :display_name, :role, :issuer, :subject)
ON CONFLICT DO NOTHING
RETURNING user_id, email, display_name, role, reps, disabled_at
