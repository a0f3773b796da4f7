-- Whether there is any lead at all (an import has none to remove before the first build).
SELECT EXISTS (SELECT 1 FROM crm.leads)
