-- Whether `geocrm enrich` has computed the network layers (trade areas, Huff, foot traffic).
SELECT EXISTS (SELECT 1 FROM crm.enrichment_state WHERE layer = 'network')
