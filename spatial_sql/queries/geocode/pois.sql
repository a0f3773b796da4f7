-- Named POIs of a loaded city, one row per name a POI goes by (name, name:sv, name:en,
-- alt_name, official_name), for geocoding by place name ("Hotelli Torni", "Ateneum").
SELECT DISTINCT ON (p.poi_id, n.name) n.name, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
FROM ref.pois p
CROSS JOIN LATERAL unnest(ARRAY[
    p.name, p.tags ->> 'name:sv', p.tags ->> 'name:en', p.tags ->> 'alt_name',
    p.tags ->> 'official_name'
]) AS n(name)
WHERE p.dataset_id = :dataset_id AND n.name IS NOT NULL
ORDER BY p.poi_id, n.name
