-- Label and search priority of a place by its kind (1 first), and the zoom from which the
-- base map's `places` layer carries it.
CREATE OR REPLACE FUNCTION ref.place_rank(kind text)
RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (CASE kind
        WHEN 'city' THEN 1
        WHEN 'town' THEN 2
        WHEN 'district' THEN 3
        WHEN 'suburb' THEN 4
        WHEN 'village' THEN 5
        WHEN 'quarter' THEN 5
        WHEN 'island' THEN 6
        WHEN 'neighbourhood' THEN 6
        WHEN 'hamlet' THEN 7
        WHEN 'square' THEN 7
        WHEN 'locality' THEN 8
        WHEN 'islet' THEN 8
        ELSE 9  -- city_block
    END)::smallint
$$;
COMMENT ON FUNCTION ref.place_rank(text) IS 'Label priority of a place kind: 1 city, 2 town, 3 district, 4 suburb, 5 village/quarter, 6 island/neighbourhood, 7 hamlet/square, 8 locality/islet, 9 city_block.';

CREATE OR REPLACE FUNCTION ref.place_minzoom(rank smallint)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN rank <= 1 THEN 8
                WHEN rank <= 2 THEN 10
                WHEN rank <= 4 THEN 11
                WHEN rank <= 5 THEN 12
                WHEN rank <= 6 THEN 13
                WHEN rank <= 8 THEN 14
                ELSE 15 END
$$;
COMMENT ON FUNCTION ref.place_minzoom(smallint) IS 'Zoom from which the base tile carries a place of this rank: cities from 8, districts and suburbs from 11, squares from 14, city blocks from 15.';
