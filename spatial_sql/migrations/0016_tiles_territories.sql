-- The territories map layer (tiles/territories.sql) draws territory plans: their changes
-- bump the 'territories' data version (see 0010 and 0014).
INSERT INTO tiles.data_versions (source) VALUES ('territories');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.territory_plans FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('territories');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.territories FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('territories');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.territory_cells FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('territories');
