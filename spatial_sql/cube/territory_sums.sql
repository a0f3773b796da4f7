-- The sums of a territory's cells (at the plan's resolution :res, within the res-11 id range
-- :lo..:hi they span) for a filter document, as the transaction's user may see each cell
-- (cube.cells, the k-rule): a total of shown cells. One row (zeros: nothing shown).
SELECT coalesce(sum(s.customers), 0) AS customers, coalesce(sum(s.prospects), 0) AS prospects,
       coalesce(sum(s.revenue), 0) AS revenue, coalesce(sum(s.ltv), 0) AS ltv,
       coalesce(sum(s.satisfaction_sum), 0) AS satisfaction_sum,
       coalesce(sum(s.satisfaction_n), 0) AS satisfaction_n,
       coalesce(sum(s.churn_sum), 0) AS churn_sum, coalesce(sum(s.churn_n), 0) AS churn_n,
       coalesce(sum(s.orders), 0) AS orders,
       coalesce(sum(s.support_requests), 0) AS support_requests,
       coalesce(sum(s.complaints), 0) AS complaints, coalesce(sum(s.visits), 0) AS visits,
       coalesce(sum(s.survey_responses), 0) AS survey_responses,
       coalesce(sum(s.campaign_responses), 0) AS campaign_responses,
       coalesce(sum(s.footfall_sum), 0) AS footfall_sum,
       coalesce(sum(s.footfall_n), 0) AS footfall_n,
       coalesce(sum(s.addressable_buildings), 0) AS addressable_buildings,
       coalesce(sum(s.households), 0) AS households,
       sum(s.suppressed_cells) AS suppressed_cells
FROM cube.cells(CAST(:filter AS jsonb), :res, CAST(:lo AS bigint), CAST(:hi AS bigint), false) s
JOIN crm.territory_cells c ON c.h3 = s.h3 AND c.plan_id = :plan_id
                          AND c.territory_id = :territory_id
