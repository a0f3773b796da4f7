-- The measures of a cell (res-11 id range :lo..:hi) broken down by each dimension in turn;
-- grouping() tells which dimension a row belongs to (its value may itself be NULL).
SELECT CASE WHEN grouping(stage) = 0 THEN 'stage'
            WHEN grouping(segment) = 0 THEN 'segment'
            WHEN grouping(kind) = 0 THEN 'kind'
            WHEN grouping(building_class) = 0 THEN 'building_class'
            WHEN grouping(store_id) = 0 THEN 'store_id'
            WHEN grouping(rep_id) = 0 THEN 'rep_id'
            ELSE 'territory_id' END AS dimension,
       coalesce(stage, segment, kind, building_class, store_id::text, rep_id::text,
                territory_id::text) AS value,
       sum(customers) AS customers, sum(prospects) AS prospects,
       sum(revenue) AS revenue, sum(ltv) AS ltv,
       sum(satisfaction_sum) AS satisfaction_sum, sum(satisfaction_n) AS satisfaction_n,
       sum(churn_sum) AS churn_sum, sum(churn_n) AS churn_n,
       sum(orders) AS orders, sum(support_requests) AS support_requests,
       sum(complaints) AS complaints, sum(visits) AS visits,
       sum(survey_responses) AS survey_responses,
       sum(campaign_responses) AS campaign_responses
FROM cube.facts
WHERE h3_11 BETWEEN :lo AND :hi
GROUP BY GROUPING SETS ((stage), (segment), (kind), (building_class), (store_id), (rep_id),
                        (territory_id))
ORDER BY 1, sum(customers) + sum(prospects) DESC, 2
