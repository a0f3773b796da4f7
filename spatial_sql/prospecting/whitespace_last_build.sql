-- The last whitespace build: when, how long, and the model's card.
SELECT built_at, seconds, summary FROM cube.whitespace_builds ORDER BY built_at DESC LIMIT 1
