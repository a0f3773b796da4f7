-- Keys of the hotspot results kept in cube.hotspot_runs (migration 0032, issue 16); named
-- to come after vocabulary.sql, whose cube.audience_filter it calls.

-- Whose view of the cube the transaction has: 'all' (admins, marketers, GeoCRM's own
-- work, the owner role: no k-rule), else 'reps:<sorted ids>;k:<k>' (a manager's or a
-- rep's rows, none for an analyst, with the k of the aggregates' k-rule). The same view
-- as geocrm.tiles.TileScope. Not SECURITY DEFINER: auth.min_cell_count() reads current_user.
CREATE OR REPLACE FUNCTION cube.hotspot_scope_key() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN auth.min_cell_count() IS NULL THEN 'all'
               ELSE 'reps:' || array_to_string(ARRAY(SELECT DISTINCT r
                                                      FROM unnest(auth.scope_reps()) r
                                                      ORDER BY r), ',')
                    || ';k:' || auth.min_cell_count()
          END $$;
COMMENT ON FUNCTION cube.hotspot_scope_key() IS 'Whose view of the cube the transaction has (all, or reps and k): the scope part of a cached hotspot result''s key.';

-- The cube filters of a request or a tile query in one canonical form (each an array of
-- distinct sorted texts, month as YYYY-MM-01; every other key, such as measure, res or
-- limit, left out), so that the API and the tile layer name the same result alike.
CREATE OR REPLACE FUNCTION cube.hotspot_filter_key(query jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT coalesce(jsonb_object_agg(f.key, CASE WHEN jsonb_typeof(f.value) = 'array'
                                                THEN (SELECT jsonb_agg(DISTINCT v ORDER BY v)
                                                      FROM jsonb_array_elements(f.value) v)
                                                ELSE f.value END), '{}'::jsonb)
   FROM jsonb_each(cube.audience_filter(
            (SELECT coalesce(jsonb_object_agg(q.key, q.value), '{}'::jsonb)
             FROM jsonb_each(coalesce(query, '{}'::jsonb)) q
             WHERE q.key IN ('stage', 'segment', 'kind', 'building_class', 'store_id',
                             'rep_id', 'territory_id', 'month')))) f $$;
COMMENT ON FUNCTION cube.hotspot_filter_key(jsonb) IS 'The cube filters of a hotspot request or tile query, canonical (sorted arrays of text; other keys dropped).';
