-- Record the build that just ran; only the last one is kept.
WITH previous AS (DELETE FROM cube.builds)
INSERT INTO cube.builds (seconds, summary)
VALUES (CAST(:seconds AS jsonb), CAST(:summary AS jsonb))
