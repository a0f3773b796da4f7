-- The statement timeout of the rest of the transaction: what is left of a request's budget.
SELECT set_config('statement_timeout', CAST(:timeout_ms AS text), true)
