-- Customers whose name or address (as typed, or as the geocoder matched it) matches :q,
-- ignoring case, accents and punctuation (crm.search_normalize), best first: the name
-- starts with the query, a whole word is the query, a word starts with it, it is inside a
-- word, and then typo-tolerant matches (pg_trgm word similarity above the session's
-- pg_trgm.word_similarity_threshold); within each, by word similarity. Both tests of the
-- WHERE clause use the GIN trigram index of the stored column search_doc (also under
-- row-level security: migration 0021). A query that matches
-- very many customers (`katu`, `helsinki`) ranks only the first :candidates hits, so that
-- its cost stays bounded however many customers there are.
WITH hits AS MATERIALIZED (
    SELECT c.customer_id, c.external_id, c.name, c.address, c.geocoded_address, c.stage,
           c.segment, c.kind, c.geom,
           c.search_doc AS doc,
           crm.search_normalize(c.name) AS name_doc
    FROM crm.customers c
    WHERE c.search_doc LIKE '%' || crm.search_normalize(:q) || '%'
       OR crm.search_normalize(:q) <% c.search_doc
    LIMIT :candidates
), ranked AS (
    SELECT h.*,
           CASE WHEN h.name_doc LIKE q.q || '%' THEN 1
                WHEN ' ' || h.doc || ' ' LIKE '% ' || q.q || ' %' THEN 2
                WHEN ' ' || h.doc LIKE '% ' || q.q || '%' THEN 3
                WHEN h.doc LIKE '%' || q.q || '%' THEN 4
                ELSE 5 END AS rank,
           word_similarity(q.q, h.doc) AS similarity
    FROM hits h
    CROSS JOIN (SELECT crm.search_normalize(:q) AS q) q
)
SELECT customer_id, external_id, name, address, geocoded_address, stage, segment, kind,
       round(ST_X(geom)::numeric, 7)::float8 AS lon,
       round(ST_Y(geom)::numeric, 7)::float8 AS lat,
       (ARRAY['name_prefix', 'word', 'word_prefix', 'substring', 'similar'])[rank] AS match,
       round(similarity::numeric, 3)::float8 AS similarity
FROM ranked
ORDER BY rank, similarity DESC, name, customer_id
LIMIT :limit
