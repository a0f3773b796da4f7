-- The CRM's clock: the time of the latest interaction recorded (any customer), which
-- windows such as "the 90 days before the latest interaction" count back from. SECURITY
-- DEFINER, so that it is the same for every user: under row-level security a rep's own
-- latest interaction would shift the window, and one route would differ with who asks.
-- It reveals a time, no customer.
CREATE OR REPLACE FUNCTION crm.latest_interaction_at() RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crm AS
$$ SELECT max(occurred_at) FROM crm.interactions $$;
