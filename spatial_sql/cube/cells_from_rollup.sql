-- Cells at :res from the precomputed unfiltered totals; :lo/:hi (ids at :res, NULL:
-- everywhere) restrict them to the descendants of one cell.
SELECT h3, customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n,
       churn_sum, churn_n, orders, support_requests, complaints, visits, survey_responses,
       campaign_responses, footfall_sum, footfall_n, addressable_buildings, households
FROM cube.rollup
WHERE res = :res
  AND (CAST(:lo AS bigint) IS NULL OR h3 BETWEEN CAST(:lo AS bigint) AND CAST(:hi AS bigint))
ORDER BY h3
