COPY crm.trade_areas (store_id, kind, mode, minutes, radius_m, geom) FROM STDIN
