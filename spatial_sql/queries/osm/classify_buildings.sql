-- Infer a class for buildings whose tag says nothing usable (building=yes, block, tower,
-- roof, ...: class 'other' from ref.building_class), which is most of them in OSM. Evidence, strongest first: the building's own tags (shop/office/amenity/tourism),
-- then the POIs inside its footprint, then whether it carries a street address.
-- Mixed-use blocks with several shops but housing above are counted 'commercial' only
-- when shops dominate (3+ shop/food POIs); an addressed block with few or no POIs is
-- taken as residential, which matches central European city blocks.
WITH inside AS (
    SELECT b.building_id,
           count(*) FILTER (WHERE p.category = 'shop') AS shops,
           count(*) FILTER (WHERE p.category = 'amenity' AND p.subcategory IN
               ('restaurant', 'cafe', 'bar', 'pub', 'fast_food', 'bank', 'pharmacy')) AS food_services,
           count(*) FILTER (WHERE p.tags ? 'office') AS offices,
           count(*) FILTER (WHERE p.category = 'amenity' AND p.subcategory IN
               ('school', 'university', 'college', 'library', 'hospital', 'townhall',
                'place_of_worship', 'theatre', 'arts_centre', 'police', 'courthouse')) AS publics
    FROM ref.buildings b
    LEFT JOIN ref.pois p ON p.dataset_id = b.dataset_id AND ST_Intersects(b.footprint, p.geom)
    WHERE b.dataset_id = :dataset_id AND b.building_class = 'other'
    GROUP BY b.building_id
),
has_address AS (
    SELECT DISTINCT b.building_id
    FROM ref.buildings b
    JOIN ref.addresses a ON a.dataset_id = b.dataset_id AND ST_Intersects(b.footprint, a.geom)
    WHERE b.dataset_id = :dataset_id AND b.building_class = 'other'
)
UPDATE ref.buildings b
SET building_class_source = 'inferred',
    building_class = CASE
        WHEN b.tags ? 'shop' THEN 'retail'
        WHEN b.tags ? 'office' THEN 'office'
        WHEN b.tags ->> 'tourism' = 'hotel' THEN 'commercial'
        WHEN b.tags ->> 'amenity' IN ('school', 'university', 'college', 'library', 'hospital',
                                       'townhall', 'place_of_worship', 'theatre') THEN 'public'
        WHEN i.publics > 0 THEN 'public'
        WHEN i.offices > 0 AND i.offices >= i.shops THEN 'office'
        WHEN i.shops + i.food_services >= 3 THEN 'commercial'
        WHEN i.shops > 0 AND ha.building_id IS NULL THEN 'retail'
        WHEN ha.building_id IS NOT NULL AND b.building IN ('yes', 'block') THEN 'residential'
        ELSE 'other'
    END
FROM inside i
LEFT JOIN has_address ha USING (building_id)
WHERE b.building_id = i.building_id
