-- City reference data. Every row belongs to one loaded dataset (one .osm.pbf), so that
-- re-loading a city replaces exactly its rows, in one transaction.

CREATE TABLE ref.datasets (
    dataset_id   serial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    source_path  text NOT NULL,
    source_sha256 text NOT NULL,
    loaded_at    timestamptz NOT NULL DEFAULT now(),
    counts       jsonb NOT NULL DEFAULT '{}'::jsonb,
    extent       geometry(Polygon, 4326)
);
CREATE INDEX datasets_extent_gist ON ref.datasets USING gist (extent);
COMMENT ON TABLE ref.datasets IS 'One row per loaded OSM extract: its file, checksum, load time and the census of what it holds.';

CREATE TABLE ref.buildings (
    building_id    bigserial PRIMARY KEY,
    dataset_id     integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    osm_type       text NOT NULL CHECK (osm_type IN ('way', 'relation')),
    osm_id         bigint NOT NULL,
    building       text NOT NULL,
    building_class text NOT NULL DEFAULT 'other' CHECK (building_class IN
        ('residential', 'commercial', 'retail', 'office', 'public', 'industrial', 'other')),
    building_class_source text NOT NULL DEFAULT 'tag' CHECK (building_class_source IN ('tag', 'inferred')),
    name           text,
    levels         smallint,
    street         text,
    housenumber    text,
    tags           jsonb NOT NULL DEFAULT '{}'::jsonb,
    footprint      geometry(MultiPolygon, 4326) NOT NULL,
    area_m2        double precision NOT NULL,
    UNIQUE (dataset_id, osm_type, osm_id)
);
CREATE INDEX buildings_footprint_gist ON ref.buildings USING gist (footprint);
COMMENT ON COLUMN ref.buildings.building IS 'Raw OSM building=* tag.';
COMMENT ON COLUMN ref.buildings.building_class IS 'Normalised class; see ref.building_class() and spatial_sql/queries/osm/classify_buildings.sql.';
COMMENT ON COLUMN ref.buildings.building_class_source IS 'tag: from the building tag itself; inferred: building=yes classified from its own tags and the POIs inside.';

CREATE TABLE ref.pois (
    poi_id     bigserial PRIMARY KEY,
    dataset_id integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    osm_type   text NOT NULL CHECK (osm_type IN ('node', 'way', 'relation')),
    osm_id     bigint NOT NULL,
    name       text,
    category   text NOT NULL,
    subcategory text,
    tags       jsonb NOT NULL DEFAULT '{}'::jsonb,
    geom       geometry(Point, 4326) NOT NULL,
    UNIQUE (dataset_id, osm_type, osm_id)
);
CREATE INDEX pois_geom_gist ON ref.pois USING gist (geom);
COMMENT ON COLUMN ref.pois.category IS 'OSM key that made it a POI: amenity, shop, tourism, or transit (stops and stations); subcategory is its value.';
COMMENT ON COLUMN ref.pois.geom IS 'The node, or a point on the surface of a way/relation.';

CREATE TABLE ref.addresses (
    address_id  bigserial PRIMARY KEY,
    dataset_id  integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    source      text NOT NULL CHECK (source IN ('building', 'poi', 'address_node')),
    osm_type    text NOT NULL CHECK (osm_type IN ('node', 'way', 'relation')),
    osm_id      bigint NOT NULL,
    street      text NOT NULL,
    street_sv   text,
    housenumber text NOT NULL,
    postcode    text,
    city        text,
    geom        geometry(Point, 4326) NOT NULL,
    UNIQUE (dataset_id, osm_type, osm_id)
);
CREATE INDEX addresses_geom_gist ON ref.addresses USING gist (geom);
CREATE INDEX addresses_street_idx ON ref.addresses (dataset_id, street, housenumber);
COMMENT ON COLUMN ref.addresses.street_sv IS 'Swedish name of the street (OSM name:sv of the street it names), where OSM has one.';

CREATE TABLE ref.street_nodes (
    dataset_id integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    network    text NOT NULL CHECK (network IN ('walk', 'drive')),
    node_id    bigint NOT NULL,
    geom       geometry(Point, 4326) NOT NULL,
    PRIMARY KEY (dataset_id, network, node_id)
);
CREATE INDEX street_nodes_geom_gist ON ref.street_nodes USING gist (geom);

CREATE TABLE ref.streets (
    street_id  bigserial PRIMARY KEY,
    dataset_id integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    network    text NOT NULL CHECK (network IN ('walk', 'drive')),
    osm_id     bigint NOT NULL,
    u          bigint NOT NULL,
    v          bigint NOT NULL,
    name_fi    text,
    name_sv    text,
    highway    text NOT NULL,
    oneway     boolean NOT NULL DEFAULT false,
    maxspeed   text,
    length_m   double precision NOT NULL CHECK (length_m >= 0),
    geom       geometry(LineString, 4326) NOT NULL
);
CREATE INDEX streets_geom_gist ON ref.streets USING gist (geom);
CREATE INDEX streets_graph_idx ON ref.streets (dataset_id, network, u, v);
COMMENT ON TABLE ref.streets IS 'Edges of the walk and drive networks (OSMnx-compatible: u, v node ids, length in metres); nodes in ref.street_nodes.';
COMMENT ON COLUMN ref.streets.name_fi IS 'OSM name (Finnish in Helsinki); name_sv is name:sv.';
