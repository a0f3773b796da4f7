-- Posted speed limits (raw OSM maxspeed) of one city's drive network, by street.
SELECT street_id, maxspeed
FROM ref.streets
WHERE dataset_id = :dataset_id AND network = 'drive'
