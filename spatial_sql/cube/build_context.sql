-- Rebuild cube.cell_context: foot traffic of walk segments, addressable buildings and
-- households per res-11 cell. DELETE, not TRUNCATE: readers keep the previous rows until
-- the build commits instead of waiting for its lock.
DELETE FROM cube.cell_context;
INSERT INTO cube.cell_context (h3_11, footfall_sum, footfall_n, addressable_buildings, households)
SELECT h3_11, sum(footfall_sum), sum(footfall_n), sum(addressable_buildings), sum(households)
FROM (
    SELECT s.h3_11, sum(f.footfall_index::numeric) AS footfall_sum, count(*) AS footfall_n,
           0 AS addressable_buildings, 0::numeric AS households
    FROM ref.streets s
    JOIN ref.street_footfall f USING (street_id)
    WHERE s.network = 'walk' AND s.h3_11 IS NOT NULL
    GROUP BY s.h3_11
    UNION ALL
    SELECT h3_11, 0, 0,
           count(*) FILTER (WHERE building_class IN ('residential', 'commercial', 'retail', 'office')),
           coalesce(sum(households_est::numeric), 0)
    FROM ref.buildings
    WHERE h3_11 IS NOT NULL
    GROUP BY h3_11
) parts
GROUP BY h3_11;
