-- Customers placed by given coordinates get the nearest known address (within 200 m) as
-- their display address. The nearest is found first with the KNN operator (<->, walks
-- the GiST index), then its distance is checked in metres.
UPDATE crm.customers c
SET geocoded_address = (
        SELECT CASE WHEN ST_DWithin(n.geom::geography, c.geom::geography, 200) THEN n.label END
        FROM (SELECT a.geom, a.street || ' ' || a.housenumber
                     || coalesce(', ' || nullif(concat_ws(' ', a.postcode, a.city), ''), '') AS label
              FROM ref.addresses a
              ORDER BY a.geom <-> c.geom
              LIMIT 1) n)
WHERE c.last_import_id = :import_id AND c.geocode_match_level = 'provided'
  AND c.geocoded_address IS NULL AND c.geom IS NOT NULL
