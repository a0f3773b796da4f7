-- Who the current transaction acts for, and what that person may see and change.
--
-- The app sets ``geocrm.user_id`` (a signed-in user) or ``geocrm.system = on`` (GeoCRM's
-- own background work: enrichment, cube refresh, publishing a plan) with SET LOCAL. The
-- functions are SECURITY DEFINER so that the app role need not read auth.users to be
-- checked; policies call them as scalar subqueries, ``(SELECT auth.scope_all())``, so that
-- they run once per statement (an InitPlan), not once per row.

CREATE OR REPLACE FUNCTION auth.current_user_id() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT nullif(current_setting('geocrm.user_id', true), '')::integer $$;

CREATE OR REPLACE FUNCTION auth.is_system() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(current_setting('geocrm.system', true), '') = 'on' $$;

-- The role of the transaction's user: NULL when no enabled user is set.
CREATE OR REPLACE FUNCTION auth.current_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, auth AS
$$ SELECT u.role FROM auth.users u
   WHERE u.user_id = auth.current_user_id() AND u.disabled_at IS NULL $$;

-- Every customer row is visible (admin, marketer, GeoCRM's own work).
CREATE OR REPLACE FUNCTION auth.scope_all() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, auth AS
$$ SELECT auth.is_system() OR coalesce(auth.current_role() IN ('admin', 'marketer'), false) $$;

-- Every customer row may be changed (admin, GeoCRM's own work).
CREATE OR REPLACE FUNCTION auth.write_all() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, auth AS
$$ SELECT auth.is_system() OR coalesce(auth.current_role() = 'admin', false) $$;

-- The crm.reps ids whose accounts the user sees (manager: their reps; rep: their own).
CREATE OR REPLACE FUNCTION auth.scope_reps() RETURNS integer[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, auth AS
$$ SELECT coalesce((SELECT u.reps FROM auth.users u
                    WHERE u.user_id = auth.current_user_id() AND u.disabled_at IS NULL
                      AND u.role IN ('manager', 'rep')), '{}'::integer[]) $$;

-- The crm.reps ids whose accounts the user may change (managers only).
CREATE OR REPLACE FUNCTION auth.write_reps() RETURNS integer[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, auth AS
$$ SELECT coalesce((SELECT u.reps FROM auth.users u
                    WHERE u.user_id = auth.current_user_id() AND u.disabled_at IS NULL
                      AND u.role = 'manager'), '{}'::integer[]) $$;

-- Aggregates (hexagons, zone counts) outside the user's rows are shown only where they
-- hold at least k customers. NULL: no rule (admin, marketer, GeoCRM's own work, and the
-- role that owns GeoCRM's schemas -- the CLI, which sees every row too: policy owner_all).
-- Not SECURITY DEFINER: current_user is the caller.
CREATE OR REPLACE FUNCTION auth.min_cell_count() RETURNS integer
LANGUAGE sql STABLE AS
$$ SELECT CASE WHEN auth.scope_all()
                    OR current_user = (SELECT pg_catalog.pg_get_userbyid(n.nspowner)
                                       FROM pg_catalog.pg_namespace n WHERE n.nspname = 'crm')
                    THEN NULL
               ELSE greatest(coalesce(nullif(current_setting('geocrm.min_cell_count', true), '')::integer, 5), 1)
          END $$;
