-- Register a customer import.
INSERT INTO crm.import_jobs (source_name, file_format, column_map)
VALUES (:source_name, :file_format, CAST(:column_map AS jsonb))
RETURNING import_id
