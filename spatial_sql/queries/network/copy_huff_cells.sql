COPY crm.huff_cells (h3, store_id, mode, travel_minutes, probability) FROM STDIN
