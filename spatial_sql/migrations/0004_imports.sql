-- Customer imports: a job row per import (its status visible while it runs), the
-- quarantine of rejected rows, and on each customer the import that last touched it.

CREATE TABLE crm.import_jobs (
    import_id    bigserial PRIMARY KEY,
    source_name  text NOT NULL,
    file_format  text NOT NULL CHECK (file_format IN ('csv', 'gpkg', 'parquet', 'geojson')),
    column_map   jsonb NOT NULL DEFAULT '{}'::jsonb,
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN
        ('queued', 'running', 'succeeded', 'failed')),
    phase        text,
    backend_pid  integer,
    rows_read    bigint NOT NULL DEFAULT 0,
    inserted     bigint,
    updated      bigint,
    unchanged    bigint,
    rejected     bigint,
    geocoded     bigint,
    not_geocoded bigint,
    rejects_file text,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
COMMENT ON TABLE crm.import_jobs IS 'One row per customer import: progress while it runs (phase, rows_read), its summary when done.';
COMMENT ON COLUMN crm.import_jobs.backend_pid IS 'Database session doing the import; a running job whose session is gone was interrupted (its transaction rolled back).';

CREATE TABLE crm.import_rejects (
    import_id   bigint NOT NULL REFERENCES crm.import_jobs ON DELETE CASCADE,
    line        bigint NOT NULL,
    external_id text,
    reason      text NOT NULL,
    raw         jsonb NOT NULL,
    PRIMARY KEY (import_id, line)
);
COMMENT ON TABLE crm.import_rejects IS 'Quarantine: rows an import refused, with their source line, the reason and the row as it was.';

-- No foreign key on purpose: a per-row FK check costs a third of a million-row import,
-- and the job log may be pruned while customers stay.
ALTER TABLE crm.customers ADD COLUMN last_import_id bigint;
COMMENT ON COLUMN crm.customers.last_import_id IS 'The import that last inserted or changed this customer (drives incremental enrichment); see crm.import_jobs.';
-- finding customers that still need geocoding stays cheap at millions of rows
CREATE INDEX customers_needs_geocoding_idx ON crm.customers (customer_id)
    WHERE geom IS NULL AND geocode_match_level IS NULL;
