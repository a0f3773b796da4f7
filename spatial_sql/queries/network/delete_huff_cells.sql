-- The Huff model is recomputed for every store and cell at once: the old one goes.
DELETE FROM crm.huff_cells
