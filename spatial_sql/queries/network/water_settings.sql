-- For network/water, in its transaction: no JIT. ST_Subdivide is estimated at a thousand
-- rows a call, which puts a query of a few rows over jit_above_cost, and compiling it
-- takes a third of a second where the query takes a millisecond.
SELECT set_config('jit', 'off', true)
