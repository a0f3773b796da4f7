-- The latest demo run and how many demo customers are loaded now.
SELECT r.customers, r.seed, r.import_file,
       (SELECT count(*) FROM crm.customers WHERE source = 'demo') AS loaded
FROM crm.demo_runs r
ORDER BY r.run_id DESC
LIMIT 1
