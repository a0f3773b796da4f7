-- Normalise a raw OSM building=* value into GeoCRM's building classes.
CREATE OR REPLACE FUNCTION ref.building_class(building_tag text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN building_tag IN ('apartments', 'residential', 'house', 'detached', 'semidetached_house',
                              'terrace', 'dormitory', 'bungalow', 'cabin', 'farm', 'houseboat')
            THEN 'residential'
        WHEN building_tag IN ('retail', 'shop', 'kiosk', 'supermarket', 'mall', 'department_store')
            THEN 'retail'
        WHEN building_tag IN ('office') THEN 'office'
        WHEN building_tag IN ('commercial', 'hotel', 'restaurant') THEN 'commercial'
        WHEN building_tag IN ('public', 'civic', 'government', 'school', 'university', 'college',
                              'kindergarten', 'hospital', 'church', 'chapel', 'cathedral', 'mosque',
                              'temple', 'synagogue', 'religious', 'museum', 'train_station',
                              'transportation', 'library', 'fire_station', 'police', 'townhall',
                              'sports_hall', 'stadium')
            THEN 'public'
        WHEN building_tag IN ('industrial', 'warehouse', 'factory', 'manufacture', 'utility',
                              'service', 'depot', 'hangar')
            THEN 'industrial'
        ELSE 'other'
    END
$$;
COMMENT ON FUNCTION ref.building_class(text) IS 'Maps an OSM building=* value to residential/commercial/retail/office/public/industrial/other.';
