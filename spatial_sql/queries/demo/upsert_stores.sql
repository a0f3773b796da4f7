-- The demo stores (staged in stage_stores), inserted or updated by external id; demo stores
-- the new demo no longer has are removed.
WITH upserted AS (
    INSERT INTO crm.stores AS s (external_id, name, region, size_m2, attractiveness, opened_on,
                                 address, geom, source)
    SELECT external_id, name, region, size_m2, attractiveness, opened_on, address, geom, 'demo'
    FROM stage_stores
    ON CONFLICT (external_id) DO UPDATE
    SET name = EXCLUDED.name, region = EXCLUDED.region, size_m2 = EXCLUDED.size_m2,
        attractiveness = EXCLUDED.attractiveness, opened_on = EXCLUDED.opened_on,
        address = EXCLUDED.address, geom = EXCLUDED.geom
    RETURNING store_id
)
DELETE FROM crm.stores
WHERE source = 'demo' AND store_id NOT IN (SELECT store_id FROM upserted)
