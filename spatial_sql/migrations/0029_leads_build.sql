-- Leads (issue 16, geocrm leads build): the map layer "leads" (tiles/leads.sql) draws
-- crm.leads with their status, so changes to either bump the tile data version 'leads'
-- (0010, 0014), and the tiles are never served stale after a build or a status change.
INSERT INTO tiles.data_versions (source) VALUES ('leads');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.leads FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('leads');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.lead_status FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('leads');

-- Customers are matched to leads on their contact details (crm.phone_key, ...; see
-- spatial_sql/functions/leads_match_keys.sql): hash joins over the whole table, no index.
COMMENT ON COLUMN crm.customers.email IS 'E-mail address as imported (optional); leads match on it in lower case.';
