-- Write the staged H3 cells (reference_cells) onto buildings, POIs and streets.
WITH b AS (
    UPDATE ref.buildings t SET h3_11 = r.h3 FROM reference_cells r
    WHERE r.kind = 'building' AND t.building_id = r.id
), p AS (
    UPDATE ref.pois t SET h3_11 = r.h3 FROM reference_cells r
    WHERE r.kind = 'poi' AND t.poi_id = r.id
)
UPDATE ref.streets t SET h3_11 = r.h3 FROM reference_cells r
WHERE r.kind = 'street' AND t.street_id = r.id
