-- Planner settings for the rest of this transaction, for a list of leads: a plan made for
-- each statement's own values (the filters left NULL fold away, and a lasso's size chooses
-- between the GiST index and a scan), where the generic plan psycopg's prepared
-- statements get after a few runs would test every optional filter on every lead; and no
-- JIT (ST_Intersects is costed high, compiling takes longer than the query).
SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)
