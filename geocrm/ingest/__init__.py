"""Customer import: CSV, GeoPackage, GeoParquet and GeoJSON into ``crm.customers``.

The file is streamed (never loaded whole) into a staging table with COPY; one SQL pass
validates every row (``spatial_sql/queries/ingest/validate.sql``); rows with problems go
to the quarantine (``crm.import_rejects``) and a rejects report with their source line and
reason; the valid rows are upserted by ``external_id`` in one set-based merge. Rows with
only an address are geocoded; rows with coordinates keep them and get the nearest address
for display. All of it is one transaction: a crash or a kill leaves the previous state
intact, and re-running completes the import. Progress and the summary are kept in
``crm.import_jobs`` (updated from a second connection, so they are visible while it runs).
Once the import has committed, ``geocrm.pipeline.import_customers`` enriches the new and
moved customers and refreshes the hex cube (the job's phase reads ``updating the hex cube``
meanwhile; a failure there is logged, never a failed import: the job is ``interrupted``
until ``geocrm cube refresh`` or the server's next start finishes the work, see
``geocrm.pipeline.recover``). The customers and the job's counts commit together, so a
crash at any point leaves a job that says whether the import was kept.

The modules, in the order a file goes through them:

``columns``  which column feeds which customer field (names, aliases, ``--map``);
``readers``  one streaming reader per format (CSV, GeoPackage / GeoJSON, GeoParquet);
``limits``   what one field may hold (size, NUL, UTF-8): a breach rejects its row only;
``nearest``  the nearest known address of customers that come with coordinates;
``load``     staging, validation, quarantine, merge and geocoding (``import_customers``);
``jobs``     the job's status in ``crm.import_jobs`` and its quarantined rows;
``files``    uploads and rejects reports under ``GEOCRM_HOME/imports`` (unique names, 0600).
"""

from geocrm.ingest.columns import ALIASES, FIELDS, REQUIRED, parse_column_map, resolve_columns
from geocrm.ingest.files import imports_dir, new_private_file, sweep
from geocrm.ingest.jobs import (
    JOB_LOCK,
    JobProgress,
    close_orphaned_jobs,
    create_job,
    fail_job,
    finish_jobs,
    job_error,
    job_status,
    rejects,
)
from geocrm.ingest.limits import FIELD_MAX_CHARS, screen_row
from geocrm.ingest.load import (
    CUBE_PHASE,
    ImportReport,
    finish_job,
    import_customers,
    interrupt_job,
    write_geocodes,
    write_rejects_report,
)
from geocrm.ingest.nearest import NearestAddress
from geocrm.ingest.readers import (
    BATCH_ROWS,
    FORMATS,
    MAX_HEADER_CHARS,
    MAX_LINE_CHARS,
    Row,
    open_customer_file,
)

__all__ = [
    "ALIASES",
    "BATCH_ROWS",
    "CUBE_PHASE",
    "FIELDS",
    "FIELD_MAX_CHARS",
    "FORMATS",
    "JOB_LOCK",
    "MAX_HEADER_CHARS",
    "MAX_LINE_CHARS",
    "REQUIRED",
    "ImportReport",
    "JobProgress",
    "NearestAddress",
    "Row",
    "close_orphaned_jobs",
    "create_job",
    "fail_job",
    "finish_job",
    "finish_jobs",
    "import_customers",
    "imports_dir",
    "interrupt_job",
    "job_error",
    "job_status",
    "new_private_file",
    "open_customer_file",
    "parse_column_map",
    "rejects",
    "resolve_columns",
    "screen_row",
    "sweep",
    "write_geocodes",
    "write_rejects_report",
]
