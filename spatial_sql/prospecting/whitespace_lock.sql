-- One whitespace build at a time (a second waits for the first, then replaces its rows);
-- readers of cube.whitespace are never blocked (EXCLUSIVE lets plain reads through).
LOCK TABLE cube.whitespace, cube.whitespace_builds IN EXCLUSIVE MODE
