-- Before flag_outside_city.sql: statistics of the customers and their enrichment. Not yet
-- analysed (right after a large import, or on a fresh database), the statement trigger
-- cube.queue_customer_cells() ran a plan that took 172 s for 27,924 customers re-flagged at
-- 100,000, against about 1 s analysed (benchmarks/RESULTS.md, "Hardening (issue 14)").
ANALYZE crm.customers, crm.customer_enrichment
