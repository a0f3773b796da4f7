-- The measures of a cell (res-11 id range :lo..:hi) by month of activity: per month, the
-- customers active that month and that month's interactions (a customer active in several
-- months is in each of them, so the months do not add up to the cell).
SELECT 'month' AS dimension, to_char(month, 'YYYY-MM') AS value,
       sum(customers) AS customers, sum(prospects) AS prospects,
       sum(revenue) AS revenue, sum(ltv) AS ltv,
       sum(satisfaction_sum) AS satisfaction_sum, sum(satisfaction_n) AS satisfaction_n,
       sum(churn_sum) AS churn_sum, sum(churn_n) AS churn_n,
       sum(orders) AS orders, sum(support_requests) AS support_requests,
       sum(complaints) AS complaints, sum(visits) AS visits,
       sum(survey_responses) AS survey_responses,
       sum(campaign_responses) AS campaign_responses
FROM cube.activity_facts
WHERE h3_11 BETWEEN :lo AND :hi
GROUP BY month
ORDER BY month
