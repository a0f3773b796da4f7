-- Cells at :res aggregated at query time from cube.facts, for any filter combination, or
-- from cube.activity_facts when :month (the first day of one month) is given: then only the
-- customers active that month count, with that month's interactions. Every other filter is
-- an array (NULL: no filter). :lo/:hi (res-11 ids, NULL: everywhere) restrict the facts to
-- the descendants of one cell. With a filter (:filtered) only cells with matching customers
-- are returned; without one, also cells that only have context.
WITH facts AS (
    SELECT ref.h3_cell_to_parent(h3_11, :res) AS h3,
           sum(customers) AS customers, sum(prospects) AS prospects,
           sum(revenue) AS revenue, sum(ltv) AS ltv,
           sum(satisfaction_sum) AS satisfaction_sum, sum(satisfaction_n) AS satisfaction_n,
           sum(churn_sum) AS churn_sum, sum(churn_n) AS churn_n,
           sum(orders) AS orders, sum(support_requests) AS support_requests,
           sum(complaints) AS complaints, sum(visits) AS visits,
           sum(survey_responses) AS survey_responses,
           sum(campaign_responses) AS campaign_responses
    FROM (
        SELECT h3_11, stage, segment, kind, building_class, store_id, rep_id, territory_id,
               customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n,
               churn_sum, churn_n, orders, support_requests, complaints, visits,
               survey_responses, campaign_responses
        FROM cube.facts
        WHERE CAST(:month AS date) IS NULL
        UNION ALL
        SELECT h3_11, stage, segment, kind, building_class, store_id, rep_id, territory_id,
               customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n,
               churn_sum, churn_n, orders, support_requests, complaints, visits,
               survey_responses, campaign_responses
        FROM cube.activity_facts
        WHERE month = CAST(:month AS date)
    ) f
    WHERE (CAST(:lo AS bigint) IS NULL OR h3_11 BETWEEN CAST(:lo AS bigint) AND CAST(:hi AS bigint))
      AND (CAST(:stage AS text[]) IS NULL OR stage = ANY (CAST(:stage AS text[])))
      AND (CAST(:segment AS text[]) IS NULL OR segment = ANY (CAST(:segment AS text[])))
      AND (CAST(:kind AS text[]) IS NULL OR kind = ANY (CAST(:kind AS text[])))
      AND (CAST(:building_class AS text[]) IS NULL
           OR building_class = ANY (CAST(:building_class AS text[])))
      AND (CAST(:store_id AS integer[]) IS NULL OR store_id = ANY (CAST(:store_id AS integer[])))
      AND (CAST(:rep_id AS integer[]) IS NULL OR rep_id = ANY (CAST(:rep_id AS integer[])))
      AND (CAST(:territory_id AS bigint[]) IS NULL
           OR territory_id = ANY (CAST(:territory_id AS bigint[])))
    GROUP BY 1
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
