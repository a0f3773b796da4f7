-- Whose view of the cube the transaction has (the scope part of a hotspot result's key).
SELECT cube.hotspot_scope_key() AS scope_key
