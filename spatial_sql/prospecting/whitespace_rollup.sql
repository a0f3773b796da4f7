-- The expectations of res 5..10 as the sums of their res-11 cells (expectations add up).
INSERT INTO cube.whitespace (res, h3, households, workplaces, expected_customers, expected_revenue)
SELECT r.res, ref.h3_cell_to_parent(w.h3, r.res), sum(w.households), sum(w.workplaces),
       sum(w.expected_customers), sum(w.expected_revenue)
FROM cube.whitespace w
CROSS JOIN generate_series(5, 10) AS r(res)
WHERE w.res = 11
GROUP BY 1, 2
