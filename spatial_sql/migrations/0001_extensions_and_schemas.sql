-- PostGIS and the schemas: ref (city data from OpenStreetMap), crm (business data).
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS ref;
COMMENT ON SCHEMA ref IS 'Reference data of the loaded city: buildings, POIs, addresses, street networks (from OpenStreetMap).';

CREATE SCHEMA IF NOT EXISTS crm;
COMMENT ON SCHEMA crm IS 'Business data: reps, stores, customers and their interactions.';
