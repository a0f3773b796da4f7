-- Whether a city has leads (a build ran on it): a reload of the city rebuilds them.
SELECT EXISTS (SELECT 1 FROM crm.leads l JOIN ref.datasets d ON d.dataset_id = l.dataset_id
               WHERE CAST(:name AS text) IS NULL OR d.name = CAST(:name AS text))
