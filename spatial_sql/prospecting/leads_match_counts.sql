-- How many leads each rule matched (a lead may match by several), and in all.
SELECT rule, count(DISTINCT lead_id) AS leads FROM lead_matches GROUP BY rule
UNION ALL
SELECT 'total', count(DISTINCT lead_id) FROM lead_matches
