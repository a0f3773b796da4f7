-- Staging tables of one enrichment transaction.
CREATE TEMP TABLE IF NOT EXISTS reference_cells (kind text, id bigint, h3 bigint) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS enrich_todo (customer_id bigint PRIMARY KEY, h3_11 bigint)
    ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS staged_cells (h3 bigint, res smallint, in_city boolean,
                                              geom geometry) ON COMMIT DROP;
