-- The last cube build, if any.
SELECT built_at, seconds, summary FROM cube.builds ORDER BY built_at DESC LIMIT 1
