-- Customers whose name or address (as typed, or as the geocoder matched it) matches :q,
-- ignoring case, accents and punctuation (crm.search_normalize), best first: the name
-- starts with the query, a whole word is the query, a word starts with it, it is inside a
-- word, and then typo-tolerant matches (pg_trgm word similarity above the session's
-- pg_trgm.word_similarity_threshold); within each, by word similarity. Both tests of the
-- WHERE clause use the GIN trigram index customers_search_trgm; the hits are materialised
-- so that each one's search text is computed once for the ranking. A query that matches
-- very many customers (`katu`, `helsinki`) ranks only the first :candidates hits, so that
-- its cost stays bounded however many customers there are.
WITH hits AS MATERIALIZED (
    SELECT c.customer_id,
           crm.customer_search_text(c.name, c.address, c.geocoded_address) AS doc,
           crm.search_normalize(c.name) AS name_doc
    FROM crm.customers c
    WHERE crm.customer_search_text(c.name, c.address, c.geocoded_address)
              LIKE '%' || crm.search_normalize(:q) || '%'
       OR crm.search_normalize(:q)
              <% crm.customer_search_text(c.name, c.address, c.geocoded_address)
    LIMIT :candidates
), ranked AS (
    SELECT h.customer_id,
           CASE WHEN h.name_doc LIKE q.q || '%' THEN 'name_prefix'
                WHEN ' ' || h.doc || ' ' LIKE '% ' || q.q || ' %' THEN 'word'
                WHEN ' ' || h.doc LIKE '% ' || q.q || '%' THEN 'word_prefix'
                WHEN h.doc LIKE '%' || q.q || '%' THEN 'substring'
                ELSE 'similar' END AS match,
           word_similarity(q.q, h.doc) AS similarity
    FROM hits h
    CROSS JOIN (SELECT crm.search_normalize(:q) AS q) q
)
SELECT c.customer_id, c.external_id, c.name, c.address, c.geocoded_address, c.stage,
       c.segment, c.kind,
       round(ST_X(c.geom)::numeric, 7)::float8 AS lon,
       round(ST_Y(c.geom)::numeric, 7)::float8 AS lat,
       r.match, round(r.similarity::numeric, 3)::float8 AS similarity
FROM ranked r
JOIN crm.customers c USING (customer_id)
ORDER BY array_position(ARRAY['name_prefix', 'word', 'word_prefix', 'substring', 'similar'],
                        r.match),
         r.similarity DESC, c.name, c.customer_id
LIMIT :limit
