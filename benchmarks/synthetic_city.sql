-- A synthetic city (benchmarks/synthetic_city.py), set-based: buildings (squares 10-40 m,
-- classes like a city centre's, 60% with a street and number, and an address point for
-- each of those), points of interest (a third of them non-businesses: benches, parking,
-- bus stops; half inside a building; 40% with addr:* tags, 20% with a phone, 20% with a web
-- site) and a walk network on a grid. Reads synthetic_settings (one row); seeded with
-- setseed(), serial (no parallel workers), so that a seed gives the same city.
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT setseed((SELECT seed FROM synthetic_settings));

-- what a POI is: (category, subcategory) with a weight out of 100
CREATE TEMP TABLE synthetic_kinds ON COMMIT DROP AS
SELECT k.category, k.subcategory, generate_series(1, k.weight) AS unit
FROM (VALUES ('amenity', 'restaurant', 10), ('amenity', 'cafe', 6), ('amenity', 'fast_food', 4),
             ('amenity', 'pub', 3), ('amenity', 'bank', 2), ('amenity', 'pharmacy', 2),
             ('amenity', 'dentist', 2), ('amenity', 'clinic', 1), ('shop', 'clothes', 8),
             ('shop', 'hairdresser', 5), ('shop', 'supermarket', 3), ('shop', 'convenience', 4),
             ('shop', 'beauty', 3), ('shop', 'books', 2), ('shop', 'electronics', 2),
             ('shop', 'furniture', 2), ('tourism', 'hotel', 2), ('tourism', 'museum', 1),
             ('amenity', 'bench', 12), ('amenity', 'waste_basket', 6),
             ('amenity', 'parking', 4), ('amenity', 'vending_machine', 4),
             ('transit', 'bus_stop', 6), ('transit', 'tram_stop', 2), ('tourism', 'artwork', 4))
     AS k(category, subcategory, weight);
CREATE TEMP TABLE synthetic_kind_units ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY category, subcategory, unit) - 1 AS slot, category,
       subcategory
FROM synthetic_kinds;

CREATE TEMP TABLE synthetic_classes ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY c.building_class, u) - 1 AS slot, c.building_class, c.tag
FROM (VALUES ('residential', 'apartments', 50), ('commercial', 'commercial', 15),
             ('retail', 'retail', 10), ('office', 'office', 10), ('public', 'public', 5),
             ('industrial', 'industrial', 5), ('other', 'yes', 5)) AS c(building_class, tag, weight)
CROSS JOIN LATERAL generate_series(1, c.weight) AS u;

-- buildings: a random spot, side and class; ordinal b for the POIs to find them by
CREATE TEMP TABLE synthetic_buildings ON COMMIT DROP AS
SELECT g AS b, s.min_lon + random() * (s.max_lon - s.min_lon) AS lon,
       s.min_lat + random() * (s.max_lat - s.min_lat) AS lat,
       10 + random() * 30 AS side_m, floor(random() * 100)::integer AS class_slot,
       random() < 0.6 AS addressed, 1 + floor(random() * 8)::integer AS levels,
       random() < 0.7 AS levels_known
FROM synthetic_settings s, generate_series(1, s.buildings) AS g;

INSERT INTO ref.buildings (dataset_id, osm_type, osm_id, building, building_class, levels,
                           street, housenumber, footprint, area_m2, tags)
SELECT s.dataset_id, 'way', s.id_base + b.b, c.tag, c.building_class,
       CASE WHEN b.levels_known THEN b.levels END,
       CASE WHEN b.addressed THEN 'Synthetic street ' || (b.b % 500) END,
       CASE WHEN b.addressed THEN (b.b / 500 + 1)::text END,
       ST_Multi(ST_MakeEnvelope(b.lon, b.lat, b.lon + b.side_m / (111320 * s.kx),
                                b.lat + b.side_m / 111320, 4326)),
       b.side_m * b.side_m,
       CASE WHEN b.addressed THEN jsonb_build_object(
           'building', c.tag, 'addr:street', 'Synthetic street ' || (b.b % 500),
           'addr:housenumber', (b.b / 500 + 1)::text) ELSE jsonb_build_object('building', c.tag) END
FROM synthetic_buildings b
CROSS JOIN synthetic_settings s
JOIN synthetic_classes c ON c.slot = b.class_slot;

INSERT INTO ref.addresses (dataset_id, source, osm_type, osm_id, street, housenumber, postcode,
                           city, geom)
SELECT s.dataset_id, 'building', 'way', s.id_base + b.b, 'Synthetic street ' || (b.b % 500),
       (b.b / 500 + 1)::text, '99' || lpad((b.b % 1000)::text, 3, '0'), 'Synthetic City',
       ST_SetSRID(ST_MakePoint(b.lon + b.side_m / 2 / (111320 * s.kx),
                               b.lat + b.side_m / 2 / 111320), 4326)
FROM synthetic_buildings b CROSS JOIN synthetic_settings s
WHERE b.addressed;

-- POIs: half inside a building (when there are any), the others anywhere
CREATE TEMP TABLE synthetic_pois ON COMMIT DROP AS
SELECT g AS p, floor(random() * 100)::integer AS kind_slot, random() < 0.5 AS inside,
       1 + floor(random() * greatest(s.buildings, 1))::bigint AS b, random() AS u1,
       random() AS u2, random() < 0.4 AS addressed, random() < 0.2 AS phoned,
       random() < 0.2 AS webbed
FROM synthetic_settings s, generate_series(1, s.pois) AS g;

INSERT INTO ref.pois (dataset_id, osm_type, osm_id, name, category, subcategory, tags, geom)
SELECT s.dataset_id, 'node', s.id_base + p.p, initcap(replace(k.subcategory, '_', ' ')) || ' ' || p.p,
       k.category, k.subcategory,
       jsonb_strip_nulls(jsonb_build_object(
           k.category, k.subcategory,
           'addr:street', CASE WHEN p.addressed THEN 'Synthetic street ' || (p.p % 500) END,
           'addr:housenumber', CASE WHEN p.addressed THEN (p.p / 500 + 1)::text END,
           'phone', CASE WHEN p.phoned THEN '+358 40 ' || lpad((p.p % 10000000)::text, 7, '0') END,
           'website', CASE WHEN p.webbed THEN 'https://www.synthetic-' || p.p || '.example/' END)),
       ST_SetSRID(CASE WHEN p.inside AND b.b IS NOT NULL
           THEN ST_MakePoint(b.lon + p.u1 * b.side_m / (111320 * s.kx),
                             b.lat + p.u2 * b.side_m / 111320)
           ELSE ST_MakePoint(s.min_lon + p.u1 * (s.max_lon - s.min_lon),
                             s.min_lat + p.u2 * (s.max_lat - s.min_lat)) END, 4326)
FROM synthetic_pois p
CROSS JOIN synthetic_settings s
JOIN synthetic_kind_units k ON k.slot = p.kind_slot
LEFT JOIN synthetic_buildings b ON b.b = p.b;

-- the walk network: a grid of footways every spacing_m, one edge between neighbours
CREATE TEMP TABLE synthetic_nodes ON COMMIT DROP AS
SELECT i, j, (i * (s.ny + 1) + j)::bigint AS node_id,
       ST_SetSRID(ST_MakePoint(s.min_lon + i * (s.max_lon - s.min_lon) / s.nx,
                               s.min_lat + j * (s.max_lat - s.min_lat) / s.ny), 4326) AS geom
FROM synthetic_settings s, generate_series(0, s.nx) AS i, generate_series(0, s.ny) AS j;
CREATE UNIQUE INDEX ON synthetic_nodes (i, j);

INSERT INTO ref.street_nodes (dataset_id, network, node_id, geom)
SELECT s.dataset_id, 'walk', n.node_id, n.geom FROM synthetic_nodes n CROSS JOIN synthetic_settings s;

INSERT INTO ref.streets (dataset_id, network, osm_id, u, v, name_fi, highway, length_m, geom)
SELECT s.dataset_id, 'walk', s.id_base + a.node_id, a.node_id, b.node_id,
       'Synthetic street ' || (a.node_id % 500), 'footway',
       ST_Distance(a.geom::geography, b.geom::geography), ST_MakeLine(a.geom, b.geom)
FROM synthetic_nodes a
CROSS JOIN synthetic_settings s
CROSS JOIN LATERAL (VALUES (a.i + 1, a.j), (a.i, a.j + 1)) AS next(i, j)
JOIN synthetic_nodes b ON b.i = next.i AND b.j = next.j;
