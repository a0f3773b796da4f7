-- Is any cell queued for a refresh?
SELECT EXISTS (SELECT 1 FROM cube.dirty_cells)
