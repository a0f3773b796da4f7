-- For flag_outside_city.sql, in its transaction: no JIT. The point tests are costed high, so
-- the planner JIT-compiles the UPDATE with inlining and optimisation, which on a freshly
-- imported table took over 90 s for 100,000 customers instead of about 10 s.
SET LOCAL jit = off
