-- Hand-picked stops: the customers of :ids (placed or not; the caller checks).
SELECT c.customer_id, c.name, c.address,
       ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat
FROM crm.customers c
WHERE c.customer_id = ANY (CAST(:ids AS bigint[]))
ORDER BY array_position(CAST(:ids AS bigint[]), c.customer_id)
