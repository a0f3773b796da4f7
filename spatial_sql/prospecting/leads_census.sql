-- What a build found in its city (lead_build, lead_candidates, lead_rows) and what it kept.
SELECT (SELECT count(*) FROM ref.pois p CROSS JOIN lead_build s
        WHERE p.dataset_id = s.dataset_id) AS pois,
       (SELECT count(*) FROM lead_candidates WHERE origin = 'poi') AS poi_candidates,
       (SELECT count(*) FROM lead_candidates WHERE origin = 'building') AS building_candidates,
       (SELECT count(*) FROM lead_candidates c WHERE c.origin = 'building'
          AND NOT EXISTS (SELECT 1 FROM lead_rows r WHERE r.lead_id = c.lead_id))
           AS buildings_without_address,
       (SELECT count(*) FROM crm.leads l CROSS JOIN lead_build s
        WHERE l.dataset_id = s.dataset_id AND l.origin = 'poi') AS poi_leads,
       (SELECT count(*) FROM crm.leads l CROSS JOIN lead_build s
        WHERE l.dataset_id = s.dataset_id AND l.origin = 'building') AS building_leads,
       (SELECT count(*) FROM crm.lead_status t JOIN crm.leads l ON l.lead_id = t.lead_id
          CROSS JOIN lead_build s WHERE l.dataset_id = s.dataset_id) AS with_status
