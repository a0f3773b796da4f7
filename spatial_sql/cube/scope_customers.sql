-- The customers aggregated by this refresh (cube_customers of refresh_facts.sql).
SELECT count(*) FROM cube_customers
