-- Remember what `geocrm demo-data` generated.
INSERT INTO crm.demo_runs (dataset_id, customers, seed, import_file)
VALUES (:dataset_id, :customers, :seed, :import_file)
