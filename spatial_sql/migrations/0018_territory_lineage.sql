-- A territory of a new version of a plan continues a territory of the plan it copies:
-- based_on names that territory (as crm.territory_plans.based_on names the plan). A plan
-- comparison follows these links to tell a territory that changed rep or cells from a new
-- one, so comparing a copy with its published original moves no customer to "another
-- territory" just because the copy's territories have new ids. Not a foreign key: the
-- territories of published plans are read-only (0015's trigger), so they could not be
-- updated when the territory they continue is deleted; a link to a deleted territory
-- simply ends the line there.
ALTER TABLE crm.territories ADD COLUMN based_on bigint;
CREATE INDEX territories_based_on_idx ON crm.territories (based_on);
COMMENT ON COLUMN crm.territories.based_on IS 'The territory (of the base plan) this one continues, being a copy of it; NULL for a newly designed territory.';
