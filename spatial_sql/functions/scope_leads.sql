-- Whether a manager's or a rep's reps may see a lead (spatial_sql/access.sql, issue 16);
-- named to come after ref_h3.sql, whose function it calls.
--
-- The policy on crm.leads reads the two sets below once per query (hashed subplans: a
-- probe per lead), not a function call per lead: a per-row SECURITY DEFINER call cannot be
-- inlined, and cost ~2 ms a lead (a lasso of 50,000 leads as a manager: 125 s, see
-- benchmarks/RESULTS.md, issue 16 leads API).

-- The resolution of the active territory plan (NULL when none is active).
CREATE OR REPLACE FUNCTION crm.active_plan_res() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm AS
$$ SELECT p.res::integer FROM crm.territory_plans p WHERE p.active $$;
COMMENT ON FUNCTION crm.active_plan_res() IS 'Resolution of the active territory plan; NULL when none is active.';

-- The bits that make a res-11 cell (its resolution bits cleared) its parent at the active
-- plan's resolution: the ELSE branch of ref.h3_cell_to_parent (ref_h3.sql), with the plan's
-- res known once per query. ref.h3_cell_to_parent(h3_11, (SELECT res)) is not inlined (its
-- argument, a subquery, is used three times in its body): a SQL function call per lead
-- cost ~10 µs; OR-ing these bits costs nothing. NULL when no plan is active.
CREATE OR REPLACE FUNCTION crm.active_plan_parent_bits() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm AS
$$ SELECT (res::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1)
   FROM (SELECT p.res::integer AS res FROM crm.territory_plans p WHERE p.active) a $$;
COMMENT ON FUNCTION crm.active_plan_parent_bits() IS 'OR onto a res-11 cell with its resolution bits cleared: its parent at the active plan''s res.';

-- The cells (at the active plan's resolution) of the territories of the user's reps.
CREATE OR REPLACE FUNCTION crm.scope_lead_cells() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm, auth AS
$$ SELECT tc.h3 FROM crm.territory_plans p
   JOIN crm.territory_cells tc ON tc.plan_id = p.plan_id
   JOIN crm.territories t ON t.territory_id = tc.territory_id
   WHERE p.active AND t.rep_id = ANY (auth.scope_reps()) $$;
COMMENT ON FUNCTION crm.scope_lead_cells() IS 'Cells of the active plan''s territories of the user''s reps.';

-- The leads given to the user's reps.
CREATE OR REPLACE FUNCTION crm.scope_assigned_leads() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm, auth AS
$$ SELECT s.lead_id FROM crm.lead_status s WHERE s.assigned_rep_id = ANY (auth.scope_reps()) $$;
COMMENT ON FUNCTION crm.scope_assigned_leads() IS 'Leads given to the user''s reps.';

-- One lead (for a caller that asks about a few): the same rule as the policy.
CREATE OR REPLACE FUNCTION crm.lead_visible(lead text, cell bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm, ref, auth AS
$$ SELECT ref.h3_cell_to_parent(cell, crm.active_plan_res()) IN (SELECT crm.scope_lead_cells())
       OR lead IN (SELECT crm.scope_assigned_leads()) $$;
COMMENT ON FUNCTION crm.lead_visible(text, bigint) IS 'A lead in a territory of the user''s reps (active plan), or given to one of them.';
