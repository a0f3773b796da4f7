-- Staging for the demo's contact history, keyed by external ids.
CREATE TEMP TABLE stage_interactions (
    customer_external_id text, type text, channel text, occurred_at timestamptz,
    amount numeric, rep_external_id text, score real
) ON COMMIT DROP;
