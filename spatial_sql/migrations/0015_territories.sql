-- Territory plans: a partition of the city's H3 cells (at one resolution) into K sales
-- territories, each with a rep. A plan is designed as a draft, then published: its
-- territory ids are written onto the customers (crm.customers.territory_id holds
-- crm.territories.territory_id), it becomes the one active plan, the previous one is
-- archived. Published and archived plans are history: read-only (geocrm/territories.py
-- checks it, and the trigger below enforces it in the database too).

CREATE TABLE crm.territory_plans (
    plan_id      bigserial PRIMARY KEY,
    name         text NOT NULL,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    active       boolean NOT NULL DEFAULT false,
    res          smallint NOT NULL CHECK (res BETWEEN 5 AND 11),
    measure      text NOT NULL CHECK (measure IN ('customers', 'revenue', 'visits', 'mix')),
    k            integer NOT NULL CHECK (k >= 2),
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    stats        jsonb NOT NULL DEFAULT '{}'::jsonb,
    CHECK (NOT active OR status = 'published')
);
-- At most one active plan.
CREATE UNIQUE INDEX territory_plans_one_active ON crm.territory_plans (active) WHERE active;
COMMENT ON TABLE crm.territory_plans IS 'Territory plans (geocrm/territories.py): drafts, the one published active plan, archived history.';
COMMENT ON COLUMN crm.territory_plans.stats IS 'Plan-level figures: balance (max/min workload), contiguous, compactness, runtime.';

CREATE TABLE crm.territories (
    territory_id bigserial PRIMARY KEY,
    plan_id      bigint NOT NULL REFERENCES crm.territory_plans ON DELETE CASCADE,
    name         text NOT NULL,
    rep_id       integer REFERENCES crm.reps ON DELETE SET NULL,
    locked       boolean NOT NULL DEFAULT false,
    stats        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX territories_plan_idx ON crm.territories (plan_id);
COMMENT ON TABLE crm.territories IS 'One territory of a plan; its id is what crm.customers.territory_id holds once the plan is published.';

CREATE TABLE crm.territory_cells (
    plan_id      bigint NOT NULL REFERENCES crm.territory_plans ON DELETE CASCADE,
    h3           bigint NOT NULL,
    territory_id bigint NOT NULL REFERENCES crm.territories ON DELETE CASCADE,
    locked       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (plan_id, h3)
);
CREATE INDEX territory_cells_territory_idx ON crm.territory_cells (territory_id);
COMMENT ON TABLE crm.territory_cells IS 'Which territory each H3 cell (at the plan''s res) belongs to; locked cells stay put when the plan is redesigned.';

CREATE TABLE crm.territory_edits (
    edit_id    bigserial PRIMARY KEY,
    plan_id    bigint NOT NULL REFERENCES crm.territory_plans ON DELETE CASCADE,
    who        text NOT NULL DEFAULT current_user,
    at         timestamptz NOT NULL DEFAULT now(),
    what       jsonb NOT NULL
);
CREATE INDEX territory_edits_plan_idx ON crm.territory_edits (plan_id, at);
COMMENT ON TABLE crm.territory_edits IS 'History of a plan: design, edits (cell moves, locks), publication.';

-- Published and archived plans are read-only: their territories and cells cannot change.
CREATE FUNCTION crm.territory_plan_is_draft() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    plan bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.plan_id ELSE NEW.plan_id END;
    plan_status text;
BEGIN
    SELECT status INTO plan_status FROM crm.territory_plans WHERE plan_id = plan;
    IF plan_status IS NOT NULL AND plan_status <> 'draft' THEN
        RAISE EXCEPTION 'territory plan % is %: it is read-only', plan, plan_status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
COMMENT ON FUNCTION crm.territory_plan_is_draft() IS 'Trigger: refuse changes to the territories and cells of a published or archived plan.';
CREATE TRIGGER territories_draft_only BEFORE INSERT OR UPDATE OR DELETE ON crm.territories
    FOR EACH ROW EXECUTE FUNCTION crm.territory_plan_is_draft();
CREATE TRIGGER territory_cells_draft_only BEFORE INSERT OR UPDATE OR DELETE ON crm.territory_cells
    FOR EACH ROW EXECUTE FUNCTION crm.territory_plan_is_draft();
