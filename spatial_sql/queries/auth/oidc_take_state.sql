-- A sign-in coming back from the provider: its state is used up here, once, fresh or not.
DELETE FROM auth.oidc_states WHERE state = :state
RETURNING nonce, next_path, code_verifier, redirect_uri,
          created_at > now() - make_interval(secs => :max_age_s) AS fresh
