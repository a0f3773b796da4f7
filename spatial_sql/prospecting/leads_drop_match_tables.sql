-- (remove_customer_matches) Temp tables of an earlier match in the same transaction.
DROP TABLE IF EXISTS lead_keys, lead_matches, lead_customer_points
