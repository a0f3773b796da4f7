-- Streets of the loaded cities whose Finnish or Swedish name matches :q (ranked as
-- search/places.sql does), one row per name and city: the extent of its edges, the point
-- of its edges nearest their centroid (on the street itself), and the named area it is in
-- (the nearest district, suburb, quarter or neighbourhood within 1.5 km).
WITH q AS (SELECT crm.search_normalize(:q) AS q),
hits AS MATERIALIZED (
    SELECT s.dataset_id, s.name_fi, s.name_sv, s.geom,
           crm.search_normalize(s.name_fi || ' ' || coalesce(s.name_sv, '')) AS doc
    FROM ref.streets s, q
    WHERE s.name_fi IS NOT NULL
      AND (crm.search_normalize(s.name_fi || ' ' || coalesce(s.name_sv, '')) LIKE '%' || q.q || '%'
           OR q.q <% crm.search_normalize(s.name_fi || ' ' || coalesce(s.name_sv, '')))
    LIMIT :candidates
), named AS (
    SELECT dataset_id, name_fi,
           mode() WITHIN GROUP (ORDER BY name_sv) AS name_sv,
           min(doc) AS doc,
           ST_Collect(geom) AS geom
    FROM hits
    GROUP BY dataset_id, name_fi
), ranked AS (
    SELECT n.*,
           CASE WHEN n.doc LIKE q.q || '%' THEN 1
                WHEN ' ' || n.doc || ' ' LIKE '% ' || q.q || ' %' THEN 2
                WHEN ' ' || n.doc LIKE '% ' || q.q || '%' THEN 3
                WHEN n.doc LIKE '%' || q.q || '%' THEN 4
                ELSE 5 END AS match_rank,
           word_similarity(q.q, n.doc) AS similarity
    FROM named n CROSS JOIN q
    ORDER BY match_rank, similarity DESC, n.name_fi
    LIMIT :limit
)
SELECT r.name_fi AS name, r.name_sv,
       round(ST_X(c.geom)::numeric, 7)::float8 AS lon,
       round(ST_Y(c.geom)::numeric, 7)::float8 AS lat,
       ARRAY[ST_XMin(r.geom), ST_YMin(r.geom), ST_XMax(r.geom), ST_YMax(r.geom)]::float8[] AS bbox,
       a.name AS area,
       r.match_rank,
       round(r.similarity::numeric, 3)::float8 AS similarity
FROM ranked r
CROSS JOIN LATERAL (SELECT ST_ClosestPoint(r.geom, ST_Centroid(r.geom)) AS geom) c
LEFT JOIN LATERAL (
    SELECT p.name
    FROM ref.places p
    WHERE p.dataset_id = r.dataset_id AND p.rank BETWEEN 3 AND 6
      AND ST_DWithin(p.geom::geography, c.geom::geography, 1500)
    ORDER BY p.geom <-> c.geom
    LIMIT 1
) a ON true
ORDER BY r.match_rank, r.similarity DESC, r.name_fi
