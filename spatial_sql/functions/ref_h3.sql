-- H3 arithmetic on bigint cell ids, without the h3-pg extension (not in Debian).
-- Layout of an H3 index: resolution in bits 52-55; one 3-bit digit per resolution 1..15
-- in bits 42-44 (res 1) down to 0-2 (res 15); digits finer than the resolution are 7.
CREATE OR REPLACE FUNCTION ref.h3_get_resolution(cell bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ((cell >> 52) & 15)::integer $$;
COMMENT ON FUNCTION ref.h3_get_resolution(bigint) IS 'Resolution (0..15) of an H3 cell id.';

-- Not STRICT on purpose: the planner inlines a SQL function into the calling query only if
-- it can see that the body is strict, which a CASE is not; inlined, a cube query over a
-- hundred thousand facts runs ~15x faster. NULL in still gives NULL out (through the CASE).
CREATE OR REPLACE FUNCTION ref.h3_cell_to_parent(cell bigint, res integer)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN res < 0 OR res > ((cell >> 52) & 15) THEN NULL
                ELSE (cell & ~(15::bigint << 52)) | (res::bigint << 52)
                     | ((1::bigint << (3 * (15 - res))) - 1) END
$$;
COMMENT ON FUNCTION ref.h3_cell_to_parent(bigint, integer) IS 'The ancestor of an H3 cell at a coarser resolution (NULL if res is finer than the cell).';

-- Descendants of a cell at a finer resolution share its leading digits, so they are exactly
-- the ids at that resolution in [first, last]: an index range scan instead of computing
-- every row's parent (same arithmetic as geocrm.cube.descendant_range).
CREATE OR REPLACE FUNCTION ref.h3_first_descendant(cell bigint, res integer)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT (((cell & ~(15::bigint << 52)) | (res::bigint << 52))
            & ~((1::bigint << (3 * (15 - ((cell >> 52) & 15)::integer))) - 1))
           | ((1::bigint << (3 * (15 - res))) - 1)
$$;
COMMENT ON FUNCTION ref.h3_first_descendant(bigint, integer) IS 'Smallest id of the descendants of an H3 cell at a finer resolution.';

CREATE OR REPLACE FUNCTION ref.h3_last_descendant(cell bigint, res integer)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (cell & ~(15::bigint << 52)) | (res::bigint << 52) $$;
COMMENT ON FUNCTION ref.h3_last_descendant(bigint, integer) IS 'Largest id of the descendants of an H3 cell at a finer resolution.';
