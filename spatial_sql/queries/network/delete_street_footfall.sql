-- Foot traffic of one city's walk network, about to be replaced.
DELETE FROM ref.street_footfall f
USING ref.streets s
WHERE s.street_id = f.street_id AND s.dataset_id = :dataset_id
