-- Record that a city-wide layer was computed from these inputs.
INSERT INTO crm.enrichment_state (layer, fingerprint, summary)
VALUES (:layer, :fingerprint, CAST(:summary AS jsonb))
ON CONFLICT (layer) DO UPDATE
SET fingerprint = EXCLUDED.fingerprint, summary = EXCLUDED.summary, computed_at = now()
