-- Territory plans are versioned: a new version of a plan is a draft copy of it (same name,
-- version + 1, based_on = the plan it copies), so a published, read-only plan is changed by
-- editing its next version; a redesign from a plan keeps that plan's locked cells and
-- locked territories. Existing plans are version 1 of their own lineage.
ALTER TABLE crm.territory_plans
    ADD COLUMN based_on bigint REFERENCES crm.territory_plans ON DELETE SET NULL,
    ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1);
COMMENT ON COLUMN crm.territory_plans.based_on IS 'The plan this one is a new version (copy or redesign) of; NULL for a first design.';
COMMENT ON COLUMN crm.territory_plans.version IS 'Version within the lineage: 1 for a first design, based_on''s version + 1 after.';
COMMENT ON COLUMN crm.territories.locked IS 'A locked territory keeps exactly its cells (and its rep) when the plan is redesigned.';
