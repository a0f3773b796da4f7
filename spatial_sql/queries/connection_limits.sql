-- How many connections the server accepts, and how many of them ordinary roles may not use
-- (superuser_reserved_connections, and reserved_connections from PostgreSQL 16).
SELECT
    current_setting('max_connections')::int AS max_connections,
    current_setting('superuser_reserved_connections')::int
        + COALESCE(current_setting('reserved_connections', true)::int, 0) AS reserved
