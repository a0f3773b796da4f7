-- The lookalike model in use: the newest one trained (its card: aggregates only).
SELECT model_id, trained_at, customers, positives, held_out, auc, auc_low, auc_high,
       lift_top_decile, beats_random, features, coefficients, positive_rule, message,
       leads_scored
FROM crm.lead_models
ORDER BY trained_at DESC, model_id DESC
LIMIT 1
