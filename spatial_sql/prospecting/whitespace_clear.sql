-- Empty cube.whitespace before a build writes it again (DELETE, not TRUNCATE: readers keep
-- the previous rows until the build commits).
DELETE FROM cube.whitespace
