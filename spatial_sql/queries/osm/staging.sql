-- Temporary staging tables for one OSM load; they vanish at the end of the transaction.
CREATE TEMP TABLE stage_buildings (
    osm_type text, osm_id bigint, building text, name text, levels text,
    street text, housenumber text, tags jsonb, geom geometry
) ON COMMIT DROP;
CREATE TEMP TABLE stage_pois (
    osm_type text, osm_id bigint, name text, category text, subcategory text,
    tags jsonb, geom geometry
) ON COMMIT DROP;
CREATE TEMP TABLE stage_addresses (
    source text, osm_type text, osm_id bigint, street text, housenumber text,
    postcode text, city text, geom geometry
) ON COMMIT DROP;
CREATE TEMP TABLE stage_street_nodes (network text, node_id bigint, geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE stage_streets (
    network text, osm_id bigint, u bigint, v bigint, name_fi text, name_sv text,
    highway text, oneway boolean, maxspeed text, length_m double precision, geom geometry
) ON COMMIT DROP;
CREATE TEMP TABLE stage_land_cover (
    osm_type text, osm_id bigint, kind text, class text, name text, geom geometry
) ON COMMIT DROP;
CREATE TEMP TABLE stage_places (
    osm_type text, osm_id bigint, kind text, name text, names jsonb, geom geometry,
    bbox geometry
) ON COMMIT DROP;
