-- Record a refresh on the build row: the cube's summary as it now is, and what was done.
UPDATE cube.builds
SET summary = CAST(:summary AS jsonb), refreshed_at = now(), refresh = CAST(:refresh AS jsonb)
