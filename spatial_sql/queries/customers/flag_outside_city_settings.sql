-- For flag_outside_city.sql, in its transaction: no JIT (compiling the UPDATE does not pay
-- off for a scan like this, as in cube/refresh_facts.sql).
SET LOCAL jit = off
