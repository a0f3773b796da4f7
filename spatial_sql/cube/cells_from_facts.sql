-- Cells at :res aggregated at query time from the facts matching the filter document
-- :filter (cube.fact_sums: cube.facts, or cube.activity_facts for its month). :lo/:hi
-- (res-11 ids, NULL: everywhere) restrict the facts to the descendants of one cell. With
-- a filter (:filtered) only cells with matching customers are returned; without one, also
-- cells that only have context.
WITH facts AS (
    SELECT * FROM cube.fact_sums(CAST(:filter AS jsonb), :res,
                                 coalesce(CAST(:lo AS bigint), 0),
                                 coalesce(CAST(:hi AS bigint), 9223372036854775807))
), context AS (
    SELECT ref.h3_cell_to_parent(h3_11, :res) AS h3,
           sum(footfall_sum) AS footfall_sum, sum(footfall_n) AS footfall_n,
           sum(addressable_buildings) AS addressable_buildings, sum(households) AS households
    FROM cube.cell_context
    WHERE (CAST(:lo AS bigint) IS NULL OR h3_11 BETWEEN CAST(:lo AS bigint) AND CAST(:hi AS bigint))
    GROUP BY 1
)
SELECT coalesce(f.h3, x.h3) AS h3,
       coalesce(f.customers, 0) AS customers, coalesce(f.prospects, 0) AS prospects,
       coalesce(f.revenue, 0) AS revenue, coalesce(f.ltv, 0) AS ltv,
       coalesce(f.satisfaction_sum, 0) AS satisfaction_sum,
       coalesce(f.satisfaction_n, 0) AS satisfaction_n,
       coalesce(f.churn_sum, 0) AS churn_sum, coalesce(f.churn_n, 0) AS churn_n,
       coalesce(f.orders, 0) AS orders, coalesce(f.support_requests, 0) AS support_requests,
       coalesce(f.complaints, 0) AS complaints, coalesce(f.visits, 0) AS visits,
       coalesce(f.survey_responses, 0) AS survey_responses,
       coalesce(f.campaign_responses, 0) AS campaign_responses,
       coalesce(x.footfall_sum, 0) AS footfall_sum, coalesce(x.footfall_n, 0) AS footfall_n,
       coalesce(x.addressable_buildings, 0) AS addressable_buildings,
       coalesce(x.households, 0) AS households
FROM facts f
FULL JOIN context x ON x.h3 = f.h3
WHERE NOT CAST(:filtered AS boolean) OR f.h3 IS NOT NULL
ORDER BY 1
