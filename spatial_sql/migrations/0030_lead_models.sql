-- Prospecting (issue 16): the lookalike models trained on the company's own customers
-- (`geocrm lookalike train`), one row per training, the newest being the model in use.
-- A model card holds only aggregates (counts, AUC, lift, coefficients), never a customer.

CREATE TABLE crm.lead_models (
    model_id        serial PRIMARY KEY,
    trained_at      timestamptz NOT NULL DEFAULT now(),
    customers       integer NOT NULL CHECK (customers >= 0),
    positives       integer NOT NULL CHECK (positives >= 0),
    held_out        integer NOT NULL DEFAULT 0 CHECK (held_out >= 0),
    auc             real CHECK (auc BETWEEN 0 AND 1),
    auc_low         real CHECK (auc_low BETWEEN 0 AND 1),
    auc_high        real CHECK (auc_high BETWEEN 0 AND 1),
    lift_top_decile real CHECK (lift_top_decile >= 0),
    beats_random    boolean NOT NULL DEFAULT false,
    features        jsonb NOT NULL DEFAULT '[]'::jsonb,
    coefficients    jsonb NOT NULL DEFAULT '{}'::jsonb,
    positive_rule   text NOT NULL,
    message         text NOT NULL,
    leads_scored    integer NOT NULL DEFAULT 0 CHECK (leads_scored >= 0)
);
CREATE INDEX lead_models_trained_idx ON crm.lead_models (trained_at DESC, model_id DESC);
COMMENT ON TABLE crm.lead_models IS 'Lookalike models (geocrm lookalike train): held-out validation and parameters; the newest is in use.';
COMMENT ON COLUMN crm.lead_models.customers IS 'Customers the model learnt from (training + held-out), after the positive rule''s filter.';
COMMENT ON COLUMN crm.lead_models.positives IS 'Of them, the best customers (positive_rule).';
COMMENT ON COLUMN crm.lead_models.held_out IS 'Customers kept out of training to validate on (stratified, fixed seed).';
COMMENT ON COLUMN crm.lead_models.auc IS 'Area under the ROC curve on the held-out customers.';
COMMENT ON COLUMN crm.lead_models.auc_low IS 'Lower bound of the 95% bootstrap interval of the held-out AUC (stratified resampling, fixed seed).';
COMMENT ON COLUMN crm.lead_models.lift_top_decile IS 'Share of positives among the top 10% held-out customers by score over the share among all held-out customers.';
COMMENT ON COLUMN crm.lead_models.beats_random IS 'auc_low > 0.5 and lift_top_decile > 1: only then are leads scored.';
COMMENT ON COLUMN crm.lead_models.features IS 'The features, in order: [{name, label, kind}].';
COMMENT ON COLUMN crm.lead_models.coefficients IS 'The fitted model: intercept, coefficients on standardised features, means and scales.';
COMMENT ON COLUMN crm.lead_models.message IS 'What the model means for the leads, in words (why there is no score, when there is none).';
