-- The last cube build, if any, and its last refresh.
SELECT built_at, seconds, summary, refreshed_at, refresh
FROM cube.builds ORDER BY built_at DESC LIMIT 1
