-- The versions of some data sources, as one token: part of a tile's cache key and ETag.
-- changed_at (microseconds) keeps tokens unique across a re-created database.
SELECT string_agg(
           source || '=' || version || '@' || (extract(epoch FROM changed_at) * 1e6)::bigint,
           ',' ORDER BY source)
FROM tiles.data_versions
WHERE source = ANY (CAST(:sources AS text[]))
