-- The fingerprint a city-wide layer was last computed from.
SELECT fingerprint FROM crm.enrichment_state WHERE layer = :layer
