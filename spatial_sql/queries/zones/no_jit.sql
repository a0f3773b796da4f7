-- No JIT compilation for the rest of this transaction. An audience count over many customers
-- is costed above jit_above_cost (ST_Intersects is costed high), and compiling takes far
-- longer (0.3-1 s) than the count itself (a few ms): the live count never wants it.
SET LOCAL jit = off
