-- Change a saved zone: each of name, kind, geometry (:wkb), filters, source when given
-- (NULL: unchanged); updated_at is bumped. No row back when there is no such zone.
UPDATE crm.target_zones
SET name = coalesce(CAST(:name AS text), name),
    kind = coalesce(CAST(:kind AS text), kind),
    geom = coalesce(ST_Multi(ST_GeomFromWKB(CAST(:wkb AS bytea), 4326)), geom),
    filters = coalesce(CAST(:filters AS jsonb), filters),
    source = coalesce(CAST(:source AS jsonb), source),
    updated_at = clock_timestamp()
WHERE zone_id = :zone_id
RETURNING zone_id
