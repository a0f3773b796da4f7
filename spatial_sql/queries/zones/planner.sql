-- Planner settings for the rest of this transaction, for the audience of an area:
-- * no JIT compilation: an audience count over many customers is costed above
--   jit_above_cost (ST_Intersects is costed high), and compiling takes far longer
--   (0.3-1 s) than the count itself (a few ms): the live count never wants it;
-- * a plan for each statement's own values (a custom plan; planning takes ~0.5 ms): the
--   area's row count then chooses between an index scan and a parallel one, and the
--   filters the document does not set fold away (cube.in_audience), where a generic plan,
--   which psycopg's prepared statements get from their 11th run, guesses the area's
--   customers and tests every dimension of the document on each of them.
SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)
