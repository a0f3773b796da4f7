-- Keep a trained lookalike model with its held-out validation (crm.lead_models).
INSERT INTO crm.lead_models (customers, positives, held_out, auc, auc_low, auc_high,
    lift_top_decile, beats_random, features, coefficients, positive_rule, message,
    leads_scored)
VALUES (:customers, :positives, :held_out, :auc, :auc_low, :auc_high, :lift_top_decile,
        :beats_random, CAST(:features AS jsonb), CAST(:coefficients AS jsonb), :positive_rule,
        :message, :leads_scored)
RETURNING model_id, trained_at
