-- After the city-wide layers changed, every customer is to be enriched again.
TRUNCATE crm.customer_enrichment
