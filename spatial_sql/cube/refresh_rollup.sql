-- Recompute cube.rollup (the unfiltered totals per cell at res 5..11) for the cells in
-- cube_scope and their ancestors, bottom-up: res 11 from cube.facts and cube.cell_context,
-- then each coarser resolution from the 7 (or fewer) rows of the next finer one. Every sum
-- is exact (numeric or integer), so this is the same answer as one GROUPING SETS pass over
-- all the facts, for the work of the affected cells only. A cell left with nothing (no
-- facts, no context, no children) loses its row.
DELETE FROM cube.rollup r USING cube_scope s WHERE r.res = 11 AND r.h3 = s.h3_11;

INSERT INTO cube.rollup (
    res, h3, customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n, churn_sum,
    churn_n, orders, support_requests, complaints, visits, survey_responses,
    campaign_responses, footfall_sum, footfall_n, addressable_buildings, households)
WITH fact_cells AS (
    SELECT f.h3_11, sum(f.customers) AS customers, sum(f.prospects) AS prospects,
           sum(f.revenue) AS revenue, sum(f.ltv) AS ltv,
           sum(f.satisfaction_sum) AS satisfaction_sum, sum(f.satisfaction_n) AS satisfaction_n,
           sum(f.churn_sum) AS churn_sum, sum(f.churn_n) AS churn_n,
           sum(f.orders) AS orders, sum(f.support_requests) AS support_requests,
           sum(f.complaints) AS complaints, sum(f.visits) AS visits,
           sum(f.survey_responses) AS survey_responses,
           sum(f.campaign_responses) AS campaign_responses
    FROM cube.facts f
    JOIN cube_scope s ON s.h3_11 = f.h3_11
    GROUP BY f.h3_11
), context AS (
    SELECT x.* FROM cube.cell_context x JOIN cube_scope s ON s.h3_11 = x.h3_11
)
SELECT 11, coalesce(f.h3_11, x.h3_11),
       coalesce(f.customers, 0), coalesce(f.prospects, 0),
       coalesce(f.revenue, 0), coalesce(f.ltv, 0),
       coalesce(f.satisfaction_sum, 0), coalesce(f.satisfaction_n, 0),
       coalesce(f.churn_sum, 0), coalesce(f.churn_n, 0),
       coalesce(f.orders, 0), coalesce(f.support_requests, 0),
       coalesce(f.complaints, 0), coalesce(f.visits, 0),
       coalesce(f.survey_responses, 0), coalesce(f.campaign_responses, 0),
       coalesce(x.footfall_sum, 0), coalesce(x.footfall_n, 0),
       coalesce(x.addressable_buildings, 0), coalesce(x.households, 0)
FROM fact_cells f
FULL JOIN context x ON x.h3_11 = f.h3_11;

DO $$
BEGIN
    FOR r IN REVERSE 10..5 LOOP
        DELETE FROM cube.rollup u
        WHERE u.res = r
          AND u.h3 IN (SELECT ref.h3_cell_to_parent(s.h3_11, r) FROM cube_scope s);

        INSERT INTO cube.rollup (
            res, h3, customers, prospects, revenue, ltv, satisfaction_sum, satisfaction_n,
            churn_sum, churn_n, orders, support_requests, complaints, visits,
            survey_responses, campaign_responses, footfall_sum, footfall_n,
            addressable_buildings, households)
        SELECT r, ref.h3_cell_to_parent(c.h3, r), sum(c.customers), sum(c.prospects),
               sum(c.revenue), sum(c.ltv), sum(c.satisfaction_sum), sum(c.satisfaction_n),
               sum(c.churn_sum), sum(c.churn_n), sum(c.orders), sum(c.support_requests),
               sum(c.complaints), sum(c.visits), sum(c.survey_responses),
               sum(c.campaign_responses), sum(c.footfall_sum), sum(c.footfall_n),
               sum(c.addressable_buildings), sum(c.households)
        FROM cube.rollup c
        WHERE c.res = r + 1
          AND ref.h3_cell_to_parent(c.h3, r)
              IN (SELECT ref.h3_cell_to_parent(s.h3_11, r) FROM cube_scope s)
        GROUP BY 2;
    END LOOP;
END $$;
