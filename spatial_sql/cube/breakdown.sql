-- The measures of a cell (resolution :res, res-11 id range :lo..:hi) for the filter
-- document :filter (NULL: none) broken down by each dimension of :dimensions in turn
-- (cube.fact_sums by that dimension): per value, largest first; by 'month' (every month of
-- activity, whatever month the document names), in month order: the customers active that
-- month and that month's interactions (a customer active in several months is in each of
-- them, so the months do not add up to the cell). Under the k-rule each value shows what
-- the cell shows under the document narrowed to {dimension: value}: what cube.held_back
-- holds back is taken off, a value with nothing shown is left out, suppressed_cells as in
-- the cells.
WITH rule AS (
    SELECT auth.min_cell_count() AS k, auth.scope_reps() AS reps
)
SELECT d.name AS dimension, v.value, v.customers, v.prospects, v.revenue, v.ltv,
       v.satisfaction_sum, v.satisfaction_n, v.churn_sum, v.churn_n, v.orders,
       v.support_requests, v.complaints, v.visits, v.survey_responses, v.campaign_responses,
       v.suppressed_cells
FROM rule
CROSS JOIN unnest(CAST(:dimensions AS text[])) WITH ORDINALITY d(name, n)
CROSS JOIN LATERAL (
    SELECT s.value, s.customers - coalesce(h.customers, 0) AS customers,
           s.prospects - coalesce(h.prospects, 0) AS prospects,
           s.revenue - coalesce(h.revenue, 0) AS revenue, s.ltv - coalesce(h.ltv, 0) AS ltv,
           s.satisfaction_sum - coalesce(h.satisfaction_sum, 0) AS satisfaction_sum,
           s.satisfaction_n - coalesce(h.satisfaction_n, 0) AS satisfaction_n,
           s.churn_sum - coalesce(h.churn_sum, 0) AS churn_sum,
           s.churn_n - coalesce(h.churn_n, 0) AS churn_n,
           s.orders - coalesce(h.orders, 0) AS orders,
           s.support_requests - coalesce(h.support_requests, 0) AS support_requests,
           s.complaints - coalesce(h.complaints, 0) AS complaints,
           s.visits - coalesce(h.visits, 0) AS visits,
           s.survey_responses - coalesce(h.survey_responses, 0) AS survey_responses,
           s.campaign_responses - coalesce(h.campaign_responses, 0) AS campaign_responses,
           CASE WHEN rule.k IS NOT NULL THEN coalesce(h.cells, 0) END AS suppressed_cells
    FROM cube.fact_sums(CAST(:filter AS jsonb), :res, :lo, :hi, d.name) s
    -- the rule's values as lateral arguments (not subqueries): the function is inlined
    LEFT JOIN cube.held_back(CAST(:filter AS jsonb), :res, :lo, :hi, rule.k, rule.reps,
                               d.name) h
           ON h.value IS NOT DISTINCT FROM s.value
    WHERE h.h3 IS NULL OR s.customers + s.prospects > h.customers + h.prospects
) v
ORDER BY d.n, CASE WHEN d.name = 'month' THEN v.value END,
         v.customers + v.prospects DESC, v.value
