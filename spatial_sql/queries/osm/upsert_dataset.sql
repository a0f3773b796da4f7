-- Register (or re-register) a dataset and return its id; its old rows are deleted next.
INSERT INTO ref.datasets AS d (name, source_path, source_sha256, loaded_at)
VALUES (:name, :source_path, :source_sha256, now())
ON CONFLICT (name) DO UPDATE
SET source_path = EXCLUDED.source_path,
    source_sha256 = EXCLUDED.source_sha256,
    loaded_at = now()
RETURNING dataset_id
