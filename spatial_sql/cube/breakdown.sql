-- The measures of a cell (resolution :res, res-11 id range :lo..:hi) broken down by each
-- dimension of :dimensions in turn (cube.fact_sums by that dimension): per value, largest
-- first; by 'month' (every month of activity), in month order: the customers active that
-- month and that month's interactions (a customer active in several months is in each of
-- them, so the months do not add up to the cell).
SELECT d.name AS dimension, s.value, s.customers, s.prospects, s.revenue, s.ltv,
       s.satisfaction_sum, s.satisfaction_n, s.churn_sum, s.churn_n, s.orders,
       s.support_requests, s.complaints, s.visits, s.survey_responses, s.campaign_responses
FROM unnest(CAST(:dimensions AS text[])) WITH ORDINALITY d(name, n)
CROSS JOIN LATERAL cube.fact_sums(NULL, :res, :lo, :hi, d.name) s
ORDER BY d.n, CASE WHEN d.name = 'month' THEN s.value END,
         s.customers + s.prospects DESC, s.value
