-- Tile data versions without a shared lock. 0010 bumped one row per source, so every
-- transaction writing customers held that row until it committed: a manual pin waited for
-- a running import. Now each database session bumps its own row of the source (keyed by
-- its backend pid; one session runs one transaction at a time), and a source's version is
-- the sum over its rows: it grows by one with every committed change, and no writer ever
-- waits for another.
ALTER TABLE tiles.data_versions ADD COLUMN backend integer NOT NULL DEFAULT 0;
ALTER TABLE tiles.data_versions DROP CONSTRAINT data_versions_pkey;
ALTER TABLE tiles.data_versions ADD PRIMARY KEY (source, backend);
COMMENT ON COLUMN tiles.data_versions.backend IS 'The server process (pg_backend_pid) whose changes this row counts; 0 for the seed rows. The version of a source is the sum over its rows.';

CREATE OR REPLACE FUNCTION tiles.data_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tiles.data_versions AS v (source, backend, version, changed_at)
    VALUES (TG_ARGV[0], pg_backend_pid(), 1, clock_timestamp())
    ON CONFLICT (source, backend)
    DO UPDATE SET version = v.version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END $$;

-- Tables drawn by layers that 0010 did not watch: the enrichment and the interactions
-- (the customers layer's building_class, store_id and month filters) and the land cover
-- of the base map.
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.customer_enrichment FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('customers');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON crm.interactions FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('customers');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON ref.land_cover FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('city');
