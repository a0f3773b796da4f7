-- Write the recomputed stores, trade areas and footfall (lead_network) onto the city's
-- leads, where they changed.
UPDATE crm.leads l
SET trade_area_ids = n.trade_area_ids, nearest_store_id = n.nearest_store_id,
    nearest_store_minutes = n.nearest_store_minutes, nearest_store_mode = n.nearest_store_mode,
    footfall_index = n.footfall_index
FROM lead_network n
WHERE n.lead_id = l.lead_id
  AND (l.trade_area_ids, l.nearest_store_id, l.nearest_store_minutes, l.nearest_store_mode,
       l.footfall_index)
      IS DISTINCT FROM (n.trade_area_ids, n.nearest_store_id, n.nearest_store_minutes,
                        n.nearest_store_mode, n.footfall_index)
