-- Isochrone zones saved before their holes were filled (issue 14) keep the building blocks
-- and courtyards between the buffered streets as holes, and the customers living there out
-- of the zone's audience. Fill them as geocrm.network.outline does for new ones (the union
-- of the outer rings), then take out the water and sea of the loaded land cover (wetland is
-- land). Zones drawn afterwards have no such hole: re-running this changes nothing.
WITH filled AS (
    SELECT z.zone_id,
           (SELECT ST_Union(ST_MakePolygon(ST_ExteriorRing(d.geom))) FROM ST_Dump(z.geom) d)
               AS geom
    FROM crm.target_zones z
    WHERE z.kind = 'isochrone'
      AND EXISTS (SELECT 1 FROM ST_Dump(z.geom) d WHERE ST_NumInteriorRings(d.geom) > 0)
),
dry AS (
    SELECT f.zone_id,
           coalesce(ST_Difference(f.geom, (SELECT ST_Union(w.geom)
                                           FROM ref.land_cover w
                                           WHERE w.kind = 'water' AND w.class <> 'wetland'
                                             AND ST_Intersects(w.geom, f.geom))),
                    f.geom) AS geom
    FROM filled f
)
UPDATE crm.target_zones z
SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(d.geom), 3)), updated_at = now()
FROM dry d
WHERE z.zone_id = d.zone_id
  AND NOT ST_IsEmpty(ST_CollectionExtract(ST_MakeValid(d.geom), 3))
  AND NOT ST_Equals(z.geom, ST_Multi(ST_CollectionExtract(ST_MakeValid(d.geom), 3)));
