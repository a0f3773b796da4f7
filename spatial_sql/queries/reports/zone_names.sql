-- Some target zones, to say which exist when the one asked for does not.
SELECT zone_id, name FROM crm.target_zones ORDER BY zone_id LIMIT 20
