-- A sign-in leaving for the provider; stale ones (never come back) go at the same time.
WITH stale AS (
    DELETE FROM auth.oidc_states WHERE created_at < now() - make_interval(secs => :max_age_s)
)
INSERT INTO auth.oidc_states (state, nonce, next_path, code_verifier, redirect_uri)
VALUES (:state, :nonce, :next_path, :code_verifier, :redirect_uri)
