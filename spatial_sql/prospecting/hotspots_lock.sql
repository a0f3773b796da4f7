-- One computation of a hotspot question at a time for one view of the cube: the tiles of
-- a map opened at once all ask for it; the first computes, the others wait and read it.
-- (Held to the end of the transaction.)
SELECT pg_advisory_xact_lock(hashtextextended(
    cube.hotspot_scope_key() || '|' || :measure || '|' || :res || '|' || :filters || '|'
    || :permutations || '|' || :seed || '|' || :versions, 16))
