-- Delete a saved zone; no row back when there is no such zone.
DELETE FROM crm.target_zones WHERE zone_id = :zone_id RETURNING zone_id
