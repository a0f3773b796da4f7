-- Cells at a resolution for a filter document, within a res-11 id range (NULL: everywhere),
-- as the transaction's user may see them (cube.cells: the roll-up when nothing is filtered
-- unless from_facts, the facts otherwise; the k-rule).
SELECT * FROM cube.cells(CAST(:filter AS jsonb), :res, CAST(:lo AS bigint), CAST(:hi AS bigint),
                         :from_facts)
