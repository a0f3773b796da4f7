-- Spatial enrichment: H3 cells, building estimates, trade areas, the Huff model, foot
-- traffic, and the enrichment fields of each customer.

-- Hexagons of the cells in use and of a polyfill of the loaded city (for prospecting).
CREATE TABLE ref.h3_cells (
    h3      bigint PRIMARY KEY,
    res     smallint NOT NULL CHECK (res BETWEEN 0 AND 15),
    in_city boolean NOT NULL DEFAULT false,
    geom    geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX h3_cells_geom_gist ON ref.h3_cells USING gist (geom);
CREATE INDEX h3_cells_res_idx ON ref.h3_cells (res);
COMMENT ON TABLE ref.h3_cells IS 'Materialised H3 hexagons (see geocrm/hexgrid.py); in_city marks the polyfill of a loaded city.';

-- The finest H3 cell (res 11) on every row that has a place; coarser ones are derived with
-- ref.h3_cell_to_parent().
ALTER TABLE ref.buildings ADD COLUMN h3_11 bigint,
    ADD COLUMN households_est real, ADD COLUMN workplaces_est real;
COMMENT ON COLUMN ref.buildings.households_est IS 'Estimated households: residential floor area / 70 m² (documented in geocrm/enrich.py).';
COMMENT ON COLUMN ref.buildings.workplaces_est IS 'Estimated workplaces: office/commercial/retail/public floor area / 25 m².';
ALTER TABLE ref.pois ADD COLUMN h3_11 bigint;
ALTER TABLE ref.streets ADD COLUMN h3_11 bigint;
CREATE INDEX buildings_h3_idx ON ref.buildings (h3_11);
CREATE INDEX pois_h3_idx ON ref.pois (h3_11);

-- Trade areas of stores: isochrones on the street network, plain rings, and the primary /
-- secondary areas of the Huff model.
CREATE TABLE crm.trade_areas (
    trade_area_id serial PRIMARY KEY,
    store_id   integer NOT NULL REFERENCES crm.stores ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('isochrone', 'ring', 'huff_primary', 'huff_secondary')),
    mode       text CHECK (mode IN ('walk', 'drive')),
    minutes    real,
    radius_m   real,
    geom       geometry(MultiPolygon, 4326) NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trade_areas_geom_gist ON crm.trade_areas USING gist (geom);
CREATE INDEX trade_areas_store_idx ON crm.trade_areas (store_id, kind, mode);
COMMENT ON TABLE crm.trade_areas IS 'Store trade areas: isochrones (mode + minutes), rings (radius_m), Huff primary/secondary (mode).';

-- The Huff model on the fine H3 grid: probability that a shopper in the cell patronises
-- each store, from attractiveness over network travel time.
CREATE TABLE crm.huff_cells (
    h3        bigint NOT NULL,
    store_id  integer NOT NULL REFERENCES crm.stores ON DELETE CASCADE,
    mode      text NOT NULL CHECK (mode IN ('walk', 'drive')),
    travel_minutes real NOT NULL,
    probability real NOT NULL CHECK (probability BETWEEN 0 AND 1),
    PRIMARY KEY (h3, mode, store_id)
);
COMMENT ON TABLE crm.huff_cells IS 'Huff model per H3 cell (res 10) x store x mode: network travel time and patronage probability.';

-- Foot traffic per walkable street segment.
CREATE TABLE ref.street_footfall (
    street_id     bigint PRIMARY KEY REFERENCES ref.streets ON DELETE CASCADE,
    flow          double precision NOT NULL,
    footfall_index real NOT NULL CHECK (footfall_index BETWEEN 0 AND 100),
    betweenness   double precision
);
COMMENT ON TABLE ref.street_footfall IS 'Estimated pedestrian flow per walk-network edge (gravity model routed on shortest paths), its 0-100 index, and edge betweenness for comparison.';

-- Trade areas cut into small pieces (ST_Subdivide), so that testing millions of points
-- against large, detailed isochrones stays an index lookup plus a cheap test.
CREATE TABLE crm.trade_area_parts (
    trade_area_id integer NOT NULL REFERENCES crm.trade_areas ON DELETE CASCADE,
    geom geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX trade_area_parts_geom_gist ON crm.trade_area_parts USING gist (geom);

-- What each customer is joined to, one row per enriched customer. A separate table: a
-- million fresh rows insert far faster than a million updates of the wide, indexed
-- customers table, and "to do" is simply "no row here".
CREATE TABLE crm.customer_enrichment (
    customer_id          bigint PRIMARY KEY REFERENCES crm.customers ON DELETE CASCADE,
    h3_11                bigint NOT NULL,
    building_id          bigint,
    building_class       text,
    building_distance_m  real,
    nearest_store_id     integer,
    nearest_store_minutes real,
    nearest_store_mode   text CHECK (nearest_store_mode IN ('walk', 'drive')),
    huff_probability     real,
    trade_area_ids       integer[] NOT NULL DEFAULT '{}',
    footfall_street_id   bigint,
    footfall_index       real,
    enriched_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_enrichment_h3_idx ON crm.customer_enrichment (h3_11);
COMMENT ON TABLE crm.customer_enrichment IS 'Spatial enrichment per customer (geocrm enrich); a customer without a row is to be enriched.';
COMMENT ON COLUMN crm.customer_enrichment.building_id IS 'ref.buildings row containing the point, or the nearest within 30 m (building_distance_m).';
COMMENT ON COLUMN crm.customer_enrichment.nearest_store_minutes IS 'Network travel time to the nearest store: walking when within 15 minutes, else driving (nearest_store_mode).';
COMMENT ON COLUMN crm.customer_enrichment.huff_probability IS 'Huff probability of the customer''s res-10 cell for its nearest store, in nearest_store_mode.';
COMMENT ON COLUMN crm.customer_enrichment.trade_area_ids IS 'crm.trade_areas the customer''s point falls in.';
COMMENT ON COLUMN crm.customer_enrichment.footfall_index IS 'Footfall index (0-100) of the walkable street segment in front of the customer (nearest within 60 m).';

-- When a customer's point moves, its enrichment is out of date: drop it (to be redone).
CREATE FUNCTION crm.customer_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM crm.customer_enrichment WHERE customer_id = NEW.customer_id;
    RETURN NEW;
END $$;
CREATE TRIGGER customers_moved AFTER UPDATE OF geom ON crm.customers
    FOR EACH ROW WHEN (OLD.geom IS DISTINCT FROM NEW.geom) EXECUTE FUNCTION crm.customer_moved();

-- Fingerprints of the inputs of the city-wide layers (stores, street network), so that
-- `geocrm enrich` recomputes them only when those inputs changed.
CREATE TABLE crm.enrichment_state (
    layer       text PRIMARY KEY,
    fingerprint text NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    summary     jsonb NOT NULL DEFAULT '{}'::jsonb
);
