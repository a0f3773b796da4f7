-- How many leads there are to score.
SELECT count(*) FROM crm.leads
