-- Trade areas are recomputed for every store at once: the old ones go.
DELETE FROM crm.trade_areas
