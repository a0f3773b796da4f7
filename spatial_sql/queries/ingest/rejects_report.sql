-- The rejects report of one import (COPY ... TO STDOUT; psycopg placeholder for the id).
COPY (SELECT line, external_id, reason, raw::text AS row
      FROM crm.import_rejects WHERE import_id = %(import_id)s ORDER BY line)
TO STDOUT (FORMAT csv, HEADER)
