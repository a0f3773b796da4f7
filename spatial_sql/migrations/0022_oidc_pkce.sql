-- OpenID Connect sign-in: a sign-in on its way through the provider also keeps its PKCE
-- code verifier (RFC 7636) and the redirect URL the code was issued for, both sent again
-- when the code is exchanged. A sign-in in flight during the upgrade starts over.
DELETE FROM auth.oidc_states;
ALTER TABLE auth.oidc_states
    ADD COLUMN code_verifier text NOT NULL,
    ADD COLUMN redirect_uri  text NOT NULL;
CREATE INDEX oidc_states_created_idx ON auth.oidc_states (created_at);
COMMENT ON TABLE auth.oidc_states IS 'Single sign-on in flight: state, nonce and PKCE verifier of each sign-in, used once.';
