-- What the app's role (geocrm_app) may touch, and the row-level security of every table
-- that holds or reveals a customer's row. Re-applied by every `geocrm db migrate` (after
-- the migrations and functions), so a table added later is covered by adding it here.
-- The role running it (the owner) keeps every row: the CLI acts as an administrator on
-- the machine that owns the database.

GRANT USAGE ON SCHEMA ref, crm, cube, tiles, auth TO geocrm_app;
GRANT SELECT ON ALL TABLES IN SCHEMA ref TO geocrm_app;
GRANT SELECT ON public.geocrm_migrations TO geocrm_app;
-- enrichment after an import or a pin indexes new H3 cells
GRANT INSERT, UPDATE ON ref.h3_cells TO geocrm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA crm, cube, tiles TO geocrm_app;
GRANT TRUNCATE ON crm.customer_enrichment, crm.trade_area_parts TO geocrm_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ref, crm, cube, tiles, auth TO geocrm_app;
-- auth: the app signs people in and keeps sessions; the audit log is append-only
GRANT SELECT, INSERT, UPDATE, DELETE
    ON auth.users, auth.sessions, auth.tokens, auth.login_attempts, auth.oidc_states
    TO geocrm_app;
GRANT SELECT, INSERT ON auth.audit_log TO geocrm_app;
REVOKE UPDATE, DELETE, TRUNCATE ON auth.audit_log FROM geocrm_app;

-- Each policy names its commands (never FOR ALL, which would add its condition to every
-- SELECT too). A table's policies are re-created from scratch on each apply.
DO $$
DECLARE
    t text;
    p record;
BEGIN
    FOREACH t IN ARRAY ARRAY['crm.customers', 'crm.interactions', 'crm.customer_enrichment',
                             'crm.import_jobs', 'crm.import_rejects', 'crm.leads',
                             'crm.lead_status', 'cube.hotspot_runs', 'cube.hotspot_cells']
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
        FOR p IN SELECT policyname FROM pg_policies
                 WHERE format('%I.%I', schemaname, tablename) = t LOOP
            EXECUTE format('DROP POLICY %I ON %s', p.policyname, t);
        END LOOP;
        EXECUTE format('CREATE POLICY owner_all ON %s TO %I USING (true) WITH CHECK (true)',
                       t, current_user);
    END LOOP;
END $$;

-- customers: read your scope; change: admin, or a manager their reps' accounts
CREATE POLICY app_read ON crm.customers FOR SELECT TO geocrm_app
    USING ((SELECT auth.scope_all()) OR assigned_rep_id = ANY ((SELECT auth.scope_reps())::integer[]));
CREATE POLICY app_insert ON crm.customers FOR INSERT TO geocrm_app
    WITH CHECK ((SELECT auth.write_all()) OR assigned_rep_id = ANY ((SELECT auth.write_reps())::integer[]));
CREATE POLICY app_update ON crm.customers FOR UPDATE TO geocrm_app
    USING ((SELECT auth.write_all()) OR assigned_rep_id = ANY ((SELECT auth.write_reps())::integer[]))
    WITH CHECK ((SELECT auth.write_all()) OR assigned_rep_id = ANY ((SELECT auth.write_reps())::integer[]));
CREATE POLICY app_delete ON crm.customers FOR DELETE TO geocrm_app
    USING ((SELECT auth.write_all()));

-- interactions: those of the customers you see; reps and managers log them on their accounts
-- (IN, not a correlated EXISTS: the planner hashes the visible customers once per query
-- instead of probing crm.customers for every interaction)
CREATE POLICY app_read ON crm.interactions FOR SELECT TO geocrm_app
    USING ((SELECT auth.scope_all()) OR customer_id IN (SELECT c.customer_id FROM crm.customers c));
CREATE POLICY app_insert ON crm.interactions FOR INSERT TO geocrm_app
    WITH CHECK ((SELECT auth.write_all())
           OR EXISTS (SELECT 1 FROM crm.customers c WHERE c.customer_id = interactions.customer_id
                      AND c.assigned_rep_id = ANY ((SELECT auth.scope_reps())::integer[])));
CREATE POLICY app_update ON crm.interactions FOR UPDATE TO geocrm_app
    USING ((SELECT auth.write_all())
           OR EXISTS (SELECT 1 FROM crm.customers c WHERE c.customer_id = interactions.customer_id
                      AND c.assigned_rep_id = ANY ((SELECT auth.scope_reps())::integer[])))
    WITH CHECK ((SELECT auth.write_all())
           OR EXISTS (SELECT 1 FROM crm.customers c WHERE c.customer_id = interactions.customer_id
                      AND c.assigned_rep_id = ANY ((SELECT auth.scope_reps())::integer[])));
CREATE POLICY app_delete ON crm.interactions FOR DELETE TO geocrm_app
    USING ((SELECT auth.write_all()));

-- enrichment: read with the customer; written by GeoCRM's own work (and admins)
CREATE POLICY app_read ON crm.customer_enrichment FOR SELECT TO geocrm_app
    USING ((SELECT auth.scope_all()) OR customer_id IN (SELECT c.customer_id FROM crm.customers c));
CREATE POLICY app_insert ON crm.customer_enrichment FOR INSERT TO geocrm_app
    WITH CHECK ((SELECT auth.write_all()));
CREATE POLICY app_update ON crm.customer_enrichment FOR UPDATE TO geocrm_app
    USING ((SELECT auth.write_all())) WITH CHECK ((SELECT auth.write_all()));
CREATE POLICY app_delete ON crm.customer_enrichment FOR DELETE TO geocrm_app
    USING ((SELECT auth.write_all()));

-- imports and their rejected rows (the raw rows of a file): admins and GeoCRM's own work
CREATE POLICY app_all ON crm.import_jobs FOR ALL TO geocrm_app
    USING ((SELECT auth.write_all())) WITH CHECK ((SELECT auth.write_all()));
CREATE POLICY app_all ON crm.import_rejects FOR ALL TO geocrm_app
    USING ((SELECT auth.write_all())) WITH CHECK ((SELECT auth.write_all()));

-- leads (issue 16): businesses of the city, not customer rows, but what the company thinks
-- of them is its own. Everyone but a rep or a manager reads every lead (analysts too: no
-- customer row is in one); a rep or a manager reads the leads in their reps' territories
-- of the active plan and the leads given to their reps. Only GeoCRM's own work (the build)
-- and admins write crm.leads. (the sets it reads: spatial_sql/functions/scope_leads.sql)
CREATE POLICY app_read ON crm.leads FOR SELECT TO geocrm_app
    USING ((SELECT auth.scope_all()) OR (SELECT auth.current_role()) = 'analyst'
           OR ((h3_11 & ~(15::bigint << 52)) | (SELECT crm.active_plan_parent_bits()))
              IN (SELECT crm.scope_lead_cells())
           OR lead_id IN (SELECT crm.scope_assigned_leads()));
CREATE POLICY app_insert ON crm.leads FOR INSERT TO geocrm_app
    WITH CHECK ((SELECT auth.write_all()));
CREATE POLICY app_update ON crm.leads FOR UPDATE TO geocrm_app
    USING ((SELECT auth.write_all())) WITH CHECK ((SELECT auth.write_all()));
CREATE POLICY app_delete ON crm.leads FOR DELETE TO geocrm_app
    USING ((SELECT auth.write_all()));

-- a lead's status: read with the lead; set by admins, marketers, and managers and reps on
-- the leads they see (an analyst changes nothing)
CREATE POLICY app_read ON crm.lead_status FOR SELECT TO geocrm_app
    USING ((SELECT auth.scope_all()) OR (SELECT auth.current_role()) = 'analyst'
           OR lead_id IN (SELECT l.lead_id FROM crm.leads l));
CREATE POLICY app_insert ON crm.lead_status FOR INSERT TO geocrm_app
    WITH CHECK ((SELECT auth.current_role()) IS DISTINCT FROM 'analyst'
                AND lead_id IN (SELECT l.lead_id FROM crm.leads l));
CREATE POLICY app_update ON crm.lead_status FOR UPDATE TO geocrm_app
    USING ((SELECT auth.current_role()) IS DISTINCT FROM 'analyst'
           AND lead_id IN (SELECT l.lead_id FROM crm.leads l))
    WITH CHECK ((SELECT auth.current_role()) IS DISTINCT FROM 'analyst'
                AND lead_id IN (SELECT l.lead_id FROM crm.leads l));
CREATE POLICY app_delete ON crm.lead_status FOR DELETE TO geocrm_app
    USING ((SELECT auth.write_all()));

-- Row-level security keeps the planner from using an index with an operator that is not
-- LEAKPROOF before the policy has filtered the rows, and PostGIS' bounding-box operators
-- (and LIKE, pg_trgm's similarity) are not marked so: every map query and every search
-- would scan the whole table. They compare values and raise no error that reveals one, so
-- in a cluster GeoCRM owns (a superuser migrates) they are marked LEAKPROOF. A managed database, where the owner is no
-- superuser, needs its administrator to run the same ALTER FUNCTIONs (README).
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION geometry_overlaps(geometry, geometry) LEAKPROOF;
        ALTER FUNCTION geometry_contains(geometry, geometry) LEAKPROOF;
        ALTER FUNCTION geometry_within(geometry, geometry) LEAKPROOF;
        -- account search: LIKE and pg_trgm's word similarity, on the GIN trigram index
        -- (their only error, a LIKE pattern ending in an escape, depends on the pattern)
        ALTER FUNCTION textlike(text, text) LEAKPROOF;
        ALTER FUNCTION word_similarity_op(text, text) LEAKPROOF;
        ALTER FUNCTION word_similarity_commutator_op(text, text) LEAKPROOF;
    END IF;
END $$;

-- hotspots (issue 16, migration 0032): a cached Gi* result is read and written only by the
-- users who have the same view of the cube (cube.hotspot_scope_key(): every figure, or the
-- same reps and k-rule); its cells go with it.
CREATE POLICY app_read ON cube.hotspot_runs FOR SELECT TO geocrm_app
    USING (scope_key = (SELECT cube.hotspot_scope_key()));
CREATE POLICY app_insert ON cube.hotspot_runs FOR INSERT TO geocrm_app
    WITH CHECK (scope_key = (SELECT cube.hotspot_scope_key()));
CREATE POLICY app_delete ON cube.hotspot_runs FOR DELETE TO geocrm_app
    USING (scope_key = (SELECT cube.hotspot_scope_key()));
CREATE POLICY app_read ON cube.hotspot_cells FOR SELECT TO geocrm_app
    USING (run_id IN (SELECT r.run_id FROM cube.hotspot_runs r));
CREATE POLICY app_insert ON cube.hotspot_cells FOR INSERT TO geocrm_app
    WITH CHECK (run_id IN (SELECT r.run_id FROM cube.hotspot_runs r));
CREATE POLICY app_delete ON cube.hotspot_cells FOR DELETE TO geocrm_app
    USING (run_id IN (SELECT r.run_id FROM cube.hotspot_runs r));
