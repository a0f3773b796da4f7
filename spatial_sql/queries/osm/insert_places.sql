-- Staged places -> ref.places: an area's point on its surface and its extent; a district
-- clipped by the extract's edge arrives as the centre of its boundary points inside the
-- extract, with their extent (bbox).
INSERT INTO ref.places (dataset_id, osm_type, osm_id, kind, name, names, rank, geom, bbox,
                        search_doc)
SELECT :dataset_id, s.osm_type, s.osm_id, s.kind, s.name, coalesce(s.names, '{}'::jsonb),
       ref.place_rank(s.kind),
       CASE WHEN GeometryType(g.geom) = 'POINT' THEN g.geom
            ELSE ST_PointOnSurface(ST_MakeValid(g.geom)) END,
       CASE WHEN GeometryType(b.bbox) = 'POLYGON' THEN b.bbox END,
       crm.search_normalize(concat_ws(' ', s.name,
                                      (SELECT string_agg(v, ' ') FROM jsonb_each_text(s.names) n(k, v)
                                       WHERE v <> s.name)))
FROM stage_places s
CROSS JOIN LATERAL (SELECT ST_SetSRID(s.geom, 4326) AS geom) g
CROSS JOIN LATERAL (SELECT ST_Envelope(coalesce(ST_SetSRID(s.bbox, 4326),
                                                CASE WHEN GeometryType(g.geom) <> 'POINT'
                                                     THEN g.geom END)) AS bbox) b
WHERE NOT ST_IsEmpty(s.geom)
ON CONFLICT (dataset_id, osm_type, osm_id) DO NOTHING
