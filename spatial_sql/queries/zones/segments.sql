-- The customer segments the data holds (what a segment filter may name).
SELECT DISTINCT segment FROM crm.customers WHERE segment IS NOT NULL ORDER BY segment
