-- Active reps and their home bases (lon/lat), the seeds of territory design.
SELECT rep_id, name, ST_X(home_base) AS lon, ST_Y(home_base) AS lat
FROM crm.reps
WHERE active
ORDER BY rep_id
