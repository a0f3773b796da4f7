-- Where each candidate is: its building (a building lead: itself; a POI: the building
-- containing it, the lowest id where footprints overlap, else the nearest within the
-- reach, 30 m) with class and floor area (footprint x levels, default levels where OSM
-- does not say), and its address: the POI's (or building's) own addr:* tags, else its
-- building's street and number, else the nearest address point within the reach (30 m).
CREATE TEMP TABLE lead_scaled_buildings ON COMMIT DROP AS
SELECT b.building_id, ST_Scale(b.footprint, s.kx, 1) AS footprint_s
FROM ref.buildings b CROSS JOIN lead_build s
WHERE b.dataset_id = s.dataset_id;
CREATE INDEX ON lead_scaled_buildings USING gist (footprint_s);
ANALYZE lead_scaled_buildings;

CREATE TEMP TABLE lead_buildings ON COMMIT DROP AS
SELECT c.lead_id, b.building_id
FROM lead_candidates c
CROSS JOIN lead_build s
JOIN ref.buildings b ON b.dataset_id = s.dataset_id AND b.osm_type = c.osm_type
                    AND b.osm_id = c.osm_id
WHERE c.origin = 'building';

INSERT INTO lead_buildings (lead_id, building_id)
SELECT DISTINCT ON (p.lead_id) p.lead_id, b.building_id
FROM ref.buildings b
CROSS JOIN lead_build s
JOIN lead_points p ON ST_Intersects(b.footprint, p.geom)
WHERE b.dataset_id = s.dataset_id
  AND NOT EXISTS (SELECT 1 FROM lead_buildings w WHERE w.lead_id = p.lead_id)
ORDER BY p.lead_id, b.building_id;
CREATE UNIQUE INDEX ON lead_buildings (lead_id);

INSERT INTO lead_buildings (lead_id, building_id)
SELECT DISTINCT ON (p.lead_id) p.lead_id, b.building_id
FROM lead_scaled_buildings b
CROSS JOIN lead_build s
JOIN lead_points p ON ST_DWithin(b.footprint_s, p.geom_s, s.building_reach)
WHERE NOT EXISTS (SELECT 1 FROM lead_buildings w WHERE w.lead_id = p.lead_id)
ORDER BY p.lead_id, ST_Distance(b.footprint_s, p.geom_s), b.building_id;
ANALYZE lead_buildings;

-- addresses: own tags first
CREATE TEMP TABLE lead_addresses ON COMMIT DROP AS
SELECT c.lead_id,
       ref.address_label(c.tags ->> 'addr:street', c.tags ->> 'addr:housenumber',
                         c.tags ->> 'addr:postcode', c.tags ->> 'addr:city') AS address
FROM lead_candidates c
WHERE c.tags ? 'addr:street' AND c.tags ? 'addr:housenumber';
CREATE UNIQUE INDEX ON lead_addresses (lead_id);

-- then the building's street and number (postcode and city from the address point of the
-- same street and number, where the city has one)
INSERT INTO lead_addresses (lead_id, address)
SELECT w.lead_id, ref.address_label(b.street, b.housenumber, a.postcode, a.city)
FROM lead_buildings w
JOIN ref.buildings b ON b.building_id = w.building_id
LEFT JOIN LATERAL (
    SELECT r.postcode, r.city FROM ref.addresses r
    WHERE r.dataset_id = b.dataset_id AND r.street = b.street AND r.housenumber = b.housenumber
    ORDER BY r.address_id LIMIT 1
) a ON true
WHERE b.street IS NOT NULL AND b.housenumber IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM lead_addresses x WHERE x.lead_id = w.lead_id);

-- then the nearest address point within the reach
CREATE TEMP TABLE lead_scaled_addresses ON COMMIT DROP AS
SELECT a.address_id, a.street, a.housenumber, a.postcode, a.city,
       ST_Scale(a.geom, s.kx, 1) AS geom_s
FROM ref.addresses a CROSS JOIN lead_build s
WHERE a.dataset_id = s.dataset_id;
CREATE INDEX ON lead_scaled_addresses USING gist (geom_s);
ANALYZE lead_scaled_addresses;

INSERT INTO lead_addresses (lead_id, address)
SELECT DISTINCT ON (p.lead_id) p.lead_id,
       ref.address_label(a.street, a.housenumber, a.postcode, a.city)
FROM lead_scaled_addresses a
CROSS JOIN lead_build s
JOIN lead_points p ON ST_DWithin(a.geom_s, p.geom_s, s.address_reach)
WHERE NOT EXISTS (SELECT 1 FROM lead_addresses x WHERE x.lead_id = p.lead_id)
ORDER BY p.lead_id, ST_Distance(a.geom_s, p.geom_s), a.address_id;
ANALYZE lead_addresses;
