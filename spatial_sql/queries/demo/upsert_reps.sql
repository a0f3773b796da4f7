-- The demo reps (staged in stage_reps), inserted or updated by external id.
INSERT INTO crm.reps AS r (external_id, name, email, region, home_base, home_address, source)
SELECT external_id, name, email, region, home_base, home_address, 'demo' FROM stage_reps
ON CONFLICT (external_id) DO UPDATE
SET name = EXCLUDED.name, email = EXCLUDED.email, region = EXCLUDED.region,
    home_base = EXCLUDED.home_base, home_address = EXCLUDED.home_address
