-- Named places (ref.places) whose name in any language matches :q, ignoring case, accents
-- and punctuation, typos tolerated (pg_trgm word similarity over the session's
-- pg_trgm.word_similarity_threshold), one per name (a district that is also a place node is
-- the node, with the district's extent), best first: the name starts with the query, a
-- word is the query, a word starts with it, it is inside a word, then similar names;
-- within each, by word similarity and label priority (rank).
WITH q AS (SELECT crm.search_normalize(:q) AS q),
hits AS MATERIALIZED (
    SELECT p.*
    FROM ref.places p, q
    WHERE p.search_doc LIKE '%' || q.q || '%' OR q.q <% p.search_doc
    LIMIT :candidates
), one AS (
    SELECT DISTINCT ON (h.dataset_id, h.name) h.*
    FROM hits h
    ORDER BY h.dataset_id, h.name, h.osm_type = 'node' DESC, h.rank, h.place_id
), ranked AS (
    SELECT o.*,
           CASE WHEN o.search_doc LIKE q.q || '%' THEN 1
                WHEN ' ' || o.search_doc || ' ' LIKE '% ' || q.q || ' %' THEN 2
                WHEN ' ' || o.search_doc LIKE '% ' || q.q || '%' THEN 3
                WHEN o.search_doc LIKE '%' || q.q || '%' THEN 4
                ELSE 5 END AS match_rank,
           word_similarity(q.q, o.search_doc) AS similarity,
           coalesce(o.bbox, (SELECT d.bbox FROM ref.places d
                             WHERE d.dataset_id = o.dataset_id AND d.name = o.name
                               AND d.bbox IS NOT NULL
                             ORDER BY d.rank, d.place_id LIMIT 1)) AS extent
    FROM one o CROSS JOIN q
)
SELECT name, kind, names, rank,
       round(ST_X(geom)::numeric, 7)::float8 AS lon,
       round(ST_Y(geom)::numeric, 7)::float8 AS lat,
       CASE WHEN extent IS NOT NULL THEN
           ARRAY[ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent)]::float8[]
       END AS bbox,
       match_rank,
       round(similarity::numeric, 3)::float8 AS similarity
FROM ranked
ORDER BY match_rank, similarity DESC, rank, name
LIMIT :limit
