-- The whitespace cells at a resolution as the transaction's user may see them: the
-- expectations of cube.whitespace against the actual customers and revenue of the cube,
-- unfiltered, under the user's k-rule (cube.cells; suppressed_cells NULL when no rule
-- applies). A cell the k-rule leaves out of the cube is left out here too.
SELECT w.h3, w.expected_customers, w.expected_revenue, w.households, w.workplaces,
       c.customers, c.revenue, c.suppressed_cells
FROM cube.whitespace w
JOIN cube.cells('{}'::jsonb, :res) c ON c.h3 = w.h3
WHERE w.res = :res
ORDER BY w.h3
