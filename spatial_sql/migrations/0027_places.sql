-- Named places of the loaded city (issue 15): OSM place=* objects (city, town, suburb,
-- quarter, neighbourhood, city_block, square, island, ...) and administrative districts
-- (boundary relations of admin_level 9 and 10), one point each, for the base map's place
-- labels and the map's search box.
CREATE TABLE ref.places (
    place_id   bigserial PRIMARY KEY,
    dataset_id integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    osm_type   text NOT NULL CHECK (osm_type IN ('node', 'way', 'relation')),
    osm_id     bigint NOT NULL,
    kind       text NOT NULL,
    name       text NOT NULL,
    names      jsonb NOT NULL DEFAULT '{}'::jsonb,
    rank       smallint NOT NULL,
    geom       geometry(Point, 4326) NOT NULL,
    bbox       geometry(Polygon, 4326),
    search_doc text NOT NULL,
    UNIQUE (dataset_id, osm_type, osm_id)
);
CREATE INDEX places_geom_gist ON ref.places USING gist (geom);
CREATE INDEX places_bbox_gist ON ref.places USING gist (bbox);
CREATE INDEX places_search_doc_trgm ON ref.places USING gin (search_doc gin_trgm_ops);
COMMENT ON TABLE ref.places IS 'Named places from OSM place=* and admin_level 9/10 boundaries (kind district): a point each, for labels and search.';
COMMENT ON COLUMN ref.places.kind IS 'OSM place=* value (city, town, village, hamlet, suburb, quarter, neighbourhood, city_block, square, island, islet, locality), or district (an administrative boundary).';
COMMENT ON COLUMN ref.places.names IS 'Names by language where OSM has them: {"fi": name:fi, "sv": name:sv, "en": name:en}.';
COMMENT ON COLUMN ref.places.rank IS 'Label priority by kind (ref.place_rank): 1 (a city) is drawn and listed first.';
COMMENT ON COLUMN ref.places.geom IS 'The node, or a point on the surface of an area; for a district clipped by the extract''s edge, the centre of its boundary points inside the extract.';
COMMENT ON COLUMN ref.places.bbox IS 'The extent of an area (or of a clipped district''s boundary points inside the extract); NULL for a place node.';
COMMENT ON COLUMN ref.places.search_doc IS 'Search normal form of every name (crm.search_normalize): what the map''s search matches.';

-- The map's search finds streets by their Finnish and Swedish names (search/streets.sql).
CREATE INDEX streets_name_search_trgm ON ref.streets
    USING gin (crm.search_normalize(name_fi || ' ' || coalesce(name_sv, '')) gin_trgm_ops);

-- The base tile draws the places: a change is a new version of the city's tiles.
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON ref.places FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('city');
