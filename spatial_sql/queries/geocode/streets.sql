-- One representative point per named street of a loaded city (both networks): the point
-- of the street's edges nearest to their centroid, so that it lies on the street itself.
-- name_sv is the street's most common Swedish name (mode() ignores NULLs).
WITH named AS (
    SELECT name_fi,
           mode() WITHIN GROUP (ORDER BY name_sv) AS name_sv,
           ST_Collect(geom) AS geom
    FROM ref.streets
    WHERE dataset_id = :dataset_id AND name_fi IS NOT NULL
    GROUP BY name_fi
)
SELECT name_fi, name_sv, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
FROM named
CROSS JOIN LATERAL (SELECT ST_ClosestPoint(named.geom, ST_Centroid(named.geom)) AS geom) p
ORDER BY name_fi
