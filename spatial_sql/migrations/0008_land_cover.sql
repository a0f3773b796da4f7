-- Land cover of the offline base map: water, parks and land use areas from the OSM extract
-- (geocrm/land_cover.py classifies them), and the sea built from the coastline. Like every
-- ref table, its rows belong to one loaded dataset and are replaced with it.

CREATE TABLE ref.land_cover (
    land_cover_id bigserial PRIMARY KEY,
    dataset_id    integer NOT NULL REFERENCES ref.datasets ON DELETE CASCADE,
    osm_type      text NOT NULL CHECK (osm_type IN ('way', 'relation', 'coastline')),
    osm_id        bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('water', 'park', 'landuse')),
    class         text NOT NULL,
    name          text,
    geom          geometry(MultiPolygon, 4326) NOT NULL,
    UNIQUE (dataset_id, osm_type, osm_id)
);
CREATE INDEX land_cover_geom_gist ON ref.land_cover USING gist (geom);
COMMENT ON TABLE ref.land_cover IS 'Base-map areas: water, parks and green, land use; valid, clipped to the dataset extent.';
COMMENT ON COLUMN ref.land_cover.osm_type IS 'way or relation (an OSM area), or coastline: a sea polygon built from the natural=coastline ways (osm_id numbers them, largest first).';
COMMENT ON COLUMN ref.land_cover.kind IS 'The base-map layer: water (incl. class sea, wetland), park (green and leisure areas), landuse.';
COMMENT ON COLUMN ref.land_cover.class IS 'Normalised class within the kind (geocrm.land_cover.LAND_COVER_RULES): water, sea, wetland, park, garden, playground, pitch, grass, forest, scrub, cemetery, residential, commercial, retail, industrial, railway, construction, civic, ...';
