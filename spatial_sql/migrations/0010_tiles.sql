-- Map layers (tiles/): the schema of the tile functions, and the data versions that key
-- the tile cache. A statement-level trigger on each table a layer draws bumps the version
-- of its source; a served tile's ETag carries the versions of its layer's sources, so a
-- tile is never served stale after an import, an enrichment or a cube build, with no
-- restart. The tile functions themselves live in tiles/*.sql and are (re)installed by
-- `geocrm db migrate`, like spatial_sql/functions.

CREATE SCHEMA IF NOT EXISTS tiles;
COMMENT ON SCHEMA tiles IS 'Vector-tile functions (z, x, y, query json) -> bytea, one per layer of tiles/catalog.toml, and the data versions of their sources.';

-- (res, geom) in one GiST index: a tile asks for the hexagons of one resolution in a box.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE INDEX h3_cells_res_geom_gist ON ref.h3_cells USING gist (res, geom);

CREATE TABLE tiles.data_versions (
    source     text PRIMARY KEY,
    version    bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE tiles.data_versions IS 'One counter per data source of the map layers, bumped by statement triggers when its tables change; part of every tile''s cache key and ETag.';
INSERT INTO tiles.data_versions (source)
VALUES ('city'), ('buildings'), ('streets'), ('cells'), ('customers'), ('stores'),
       ('trade_areas'), ('cube');

CREATE FUNCTION tiles.data_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tiles.data_versions
    SET version = version + 1, changed_at = clock_timestamp()
    WHERE source = TG_ARGV[0];
    RETURN NULL;
END $$;
COMMENT ON FUNCTION tiles.data_changed() IS 'Statement trigger: bump the version of the source named by the trigger argument.';

DO $$
DECLARE
    watched CONSTANT text[][] := ARRAY[
        ['ref.datasets', 'city'],
        ['ref.buildings', 'buildings'],
        ['ref.streets', 'streets'],
        ['ref.street_footfall', 'streets'],
        ['ref.h3_cells', 'cells'],
        ['crm.customers', 'customers'],
        ['crm.stores', 'stores'],
        ['crm.trade_areas', 'trade_areas'],
        ['cube.facts', 'cube'],
        ['cube.cell_context', 'cube'],
        ['cube.rollup', 'cube']];
    i integer;
BEGIN
    FOR i IN 1 .. array_length(watched, 1) LOOP
        EXECUTE format(
            'CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            'ON %s FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed(%L)',
            watched[i][1], watched[i][2]);
    END LOOP;
END $$;
