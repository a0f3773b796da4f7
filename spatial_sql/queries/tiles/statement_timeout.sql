-- The statement timeout of the tile queries that follow, until the end of the transaction.
SELECT set_config('statement_timeout', CAST(:timeout_ms AS text), true)
