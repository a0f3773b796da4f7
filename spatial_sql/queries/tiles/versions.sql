-- The versions of some data sources, as one token: part of a tile's cache key and ETag.
-- A source's version is the sum of its per-session counters (migration 0014); the time of
-- its last change (microseconds) keeps tokens unique across a re-created database.
-- With it, whose tiles this transaction draws (geocrm.tiles.TileScope): the k of the
-- aggregates' k-rule (NULL: every row and figure) and the reps whose rows the user sees.
SELECT (SELECT string_agg(source || '=' || version || '@' || changed_us, ',' ORDER BY source)
        FROM (
            SELECT source, sum(version) AS version,
                   (extract(epoch FROM max(changed_at)) * 1e6)::bigint AS changed_us
            FROM tiles.data_versions
            WHERE source = ANY (CAST(:sources AS text[]))
            GROUP BY source
        ) AS v) AS token,
       auth.min_cell_count() AS min_cell_count,
       auth.scope_reps() AS reps
