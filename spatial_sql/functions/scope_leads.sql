-- Whether a manager's or a rep's reps may see a lead (spatial_sql/access.sql, issue 16);
-- named to come after ref_h3.sql, whose function it calls.
CREATE OR REPLACE FUNCTION crm.lead_visible(lead text, cell bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm, ref, auth AS
$$ SELECT EXISTS (SELECT 1 FROM crm.territory_plans p
                   JOIN crm.territory_cells tc ON tc.plan_id = p.plan_id
                   JOIN crm.territories t ON t.territory_id = tc.territory_id
                   WHERE p.active AND tc.h3 = ref.h3_cell_to_parent(cell, p.res::integer)
                     AND t.rep_id = ANY (auth.scope_reps()))
       OR EXISTS (SELECT 1 FROM crm.lead_status s
                   WHERE s.lead_id = lead AND s.assigned_rep_id = ANY (auth.scope_reps())) $$;
COMMENT ON FUNCTION crm.lead_visible(text, bigint) IS 'A lead in a territory of the user''s reps (active plan), or given to one of them.';
