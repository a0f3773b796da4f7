-- Rebuild cube.rollup: the unfiltered totals of every cell at res 5..11 in one pass over
-- the res-11 cells, one grouping set per resolution. In the grouping set of one
-- resolution the other parent columns are NULL, so coalesce() picks the grouped one.
TRUNCATE cube.rollup;
INSERT INTO cube.rollup
WITH fact_cells AS (
    SELECT h3_11, sum(customers) AS customers, sum(prospects) AS prospects,
           sum(revenue) AS revenue, sum(ltv) AS ltv,
           sum(satisfaction_sum) AS satisfaction_sum, sum(satisfaction_n) AS satisfaction_n,
           sum(churn_sum) AS churn_sum, sum(churn_n) AS churn_n,
           sum(orders) AS orders, sum(support_requests) AS support_requests,
           sum(complaints) AS complaints, sum(visits) AS visits,
           sum(survey_responses) AS survey_responses,
           sum(campaign_responses) AS campaign_responses
    FROM cube.facts
    GROUP BY h3_11
), cells AS (
    SELECT coalesce(f.h3_11, x.h3_11) AS h3_11, f.customers, f.prospects, f.revenue, f.ltv,
           f.satisfaction_sum, f.satisfaction_n, f.churn_sum, f.churn_n, f.orders,
           f.support_requests, f.complaints, f.visits, f.survey_responses,
           f.campaign_responses, x.footfall_sum, x.footfall_n, x.addressable_buildings,
           x.households
    FROM fact_cells f
    FULL JOIN cube.cell_context x ON x.h3_11 = f.h3_11
), parents AS (
    SELECT c.*,
           ref.h3_cell_to_parent(c.h3_11, 5) AS p5, ref.h3_cell_to_parent(c.h3_11, 6) AS p6,
           ref.h3_cell_to_parent(c.h3_11, 7) AS p7, ref.h3_cell_to_parent(c.h3_11, 8) AS p8,
           ref.h3_cell_to_parent(c.h3_11, 9) AS p9, ref.h3_cell_to_parent(c.h3_11, 10) AS p10
    FROM cells c
)
SELECT CASE WHEN grouping(p5) = 0 THEN 5 WHEN grouping(p6) = 0 THEN 6
            WHEN grouping(p7) = 0 THEN 7 WHEN grouping(p8) = 0 THEN 8
            WHEN grouping(p9) = 0 THEN 9 WHEN grouping(p10) = 0 THEN 10 ELSE 11 END,
       coalesce(p5, p6, p7, p8, p9, p10, h3_11),
       coalesce(sum(customers), 0), coalesce(sum(prospects), 0),
       coalesce(sum(revenue), 0), coalesce(sum(ltv), 0),
       coalesce(sum(satisfaction_sum), 0), coalesce(sum(satisfaction_n), 0),
       coalesce(sum(churn_sum), 0), coalesce(sum(churn_n), 0),
       coalesce(sum(orders), 0), coalesce(sum(support_requests), 0),
       coalesce(sum(complaints), 0), coalesce(sum(visits), 0),
       coalesce(sum(survey_responses), 0), coalesce(sum(campaign_responses), 0),
       coalesce(sum(footfall_sum), 0), coalesce(sum(footfall_n), 0),
       coalesce(sum(addressable_buildings), 0), coalesce(sum(households), 0)
FROM parents
GROUP BY GROUPING SETS ((p5), (p6), (p7), (p8), (p9), (p10), (h3_11));
