-- Field visits a customer needs per month (geocrm/territories.py documents the rule): a
-- base per ladder stage plus up to one more for the contacts of the last 90 days (the
-- callers count them up to the latest recorded interaction). One definition for the
-- territories' workload (territories/cell_workload.sql) and the due visits of a rep's
-- route (routes/due_customers.sql). A plain expression: inlined by the planner.
CREATE OR REPLACE FUNCTION crm.visits_per_month(stage text, recent_contacts bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE stage WHEN 'prospect' THEN 0.25 WHEN 'customer' THEN 0.5
                      WHEN 'client' THEN 1.0 WHEN 'supporter' THEN 1.0
                      WHEN 'advocate' THEN 1.5 WHEN 'partner' THEN 2.0 END
           + least(1.0, 0.25 * coalesce(recent_contacts, 0) / 3.0)
$$;
COMMENT ON FUNCTION crm.visits_per_month(text, bigint) IS 'Field visits needed per month: a base per ladder stage plus the recent contact intensity.';
