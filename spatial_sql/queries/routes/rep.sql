-- A rep and the home base its routes start and end at.
SELECT r.rep_id, r.name, r.home_address,
       ST_X(r.home_base) AS lon, ST_Y(r.home_base) AS lat
FROM crm.reps r
WHERE r.rep_id = CAST(:rep_id AS integer)
