-- People, sign-in and access, enforced in the database itself.
--
-- Who is asking travels with each transaction: the app sets ``geocrm.user_id`` (or
-- ``geocrm.system``) with set_config(..., true), i.e. SET LOCAL, so pooled connections carry
-- no one's identity from one request to the next. Row-level security (FORCE) on every
-- table that holds or reveals a customer's row reads it through auth.scope_all() and
-- auth.scope_reps(); the app logs in as a member of the NOLOGIN role geocrm_app, which
-- owns nothing (grants: spatial_sql/access.sql, re-applied by every migrate).

CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE auth.users (
    user_id       serial PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    display_name  text,
    role          text NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'marketer', 'analyst')),
    -- the crm.reps ids whose accounts the user works (rep: exactly one) or manages
    reps          integer[] NOT NULL DEFAULT '{}',
    password_hash text,
    oidc_issuer   text,
    oidc_subject  text,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz,
    CONSTRAINT users_rep_has_one_rep CHECK (role <> 'rep' OR cardinality(reps) = 1),
    UNIQUE (oidc_issuer, oidc_subject)
);
CREATE UNIQUE INDEX users_email_key ON auth.users (email);
COMMENT ON TABLE auth.users IS 'People who sign in, their role and the reps (crm.reps ids) whose accounts they see.';
COMMENT ON COLUMN auth.users.reps IS 'rep: their own crm.reps id; manager: the ids of their reps; others: unused.';

-- Session ids and API tokens are kept only as SHA-256 digests: a copy of the table signs
-- no one in.
CREATE TABLE auth.sessions (
    session_hash bytea PRIMARY KEY,
    user_id      integer NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON auth.sessions (user_id);

CREATE TABLE auth.tokens (
    token_id     serial PRIMARY KEY,
    user_id      integer NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX tokens_user_idx ON auth.tokens (user_id);

-- Failed sign-ins per key (an e-mail, a client address) in the current window.
CREATE TABLE auth.login_attempts (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL DEFAULT now(),
    failures     integer NOT NULL DEFAULT 0
);

-- OpenID Connect: the state and nonce of a sign-in on its way through the provider.
CREATE TABLE auth.oidc_states (
    state      text PRIMARY KEY,
    nonce      text NOT NULL,
    next_path  text NOT NULL DEFAULT '/',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Who did what: append-only (no UPDATE or DELETE, for the owner too).
CREATE TABLE auth.audit_log (
    audit_id   bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    integer,
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text,
    detail     jsonb NOT NULL DEFAULT '{}'::jsonb,
    request_id text
);
CREATE INDEX audit_log_at_idx ON auth.audit_log (at);
COMMENT ON TABLE auth.audit_log IS 'Every change, export, import, publish and sign-in; never the data itself.';

CREATE FUNCTION auth.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auth.audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON auth.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION auth.audit_log_append_only();

-- Who owns each saved zone (NULL: made before users existed, or by the CLI).
ALTER TABLE crm.target_zones ADD COLUMN owner_user_id integer REFERENCES auth.users ON DELETE SET NULL;
ALTER TABLE crm.import_jobs ADD COLUMN created_by integer REFERENCES auth.users ON DELETE SET NULL;

-- The app's group role: the login role the server uses is a member of it (embedded
-- cluster: geocrm_web, created by `geocrm db migrate`).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'geocrm_app') THEN
        CREATE ROLE geocrm_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END $$;
