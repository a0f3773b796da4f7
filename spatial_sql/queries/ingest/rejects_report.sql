-- The rejects report of one import (COPY ... TO STDOUT; psycopg placeholder for the id).
COPY (SELECT line, crm.csv_text(external_id) AS external_id, crm.csv_text(reason) AS reason,
             raw::text AS row
      FROM crm.import_rejects WHERE import_id = %(import_id)s ORDER BY line)
TO STDOUT (FORMAT csv, HEADER)
