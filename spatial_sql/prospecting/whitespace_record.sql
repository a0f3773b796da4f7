-- Record the whitespace build (one row: the last one).
WITH gone AS (DELETE FROM cube.whitespace_builds)
INSERT INTO cube.whitespace_builds (seconds, summary)
VALUES (:seconds, CAST(:summary AS jsonb))
