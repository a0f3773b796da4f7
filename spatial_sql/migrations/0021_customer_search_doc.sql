-- The searchable text of a customer as a stored column, indexed as a plain column.
-- Row-level security lets the planner use an index only for a condition whose functions
-- are all LEAKPROOF; over the expression index of 0012 the condition called
-- crm.search_normalize on the row's columns, so under a policy every search scanned the
-- whole table. On a column, the condition is just LIKE / pg_trgm's word similarity
-- (marked LEAKPROOF by spatial_sql/access.sql when a superuser migrates).
ALTER TABLE crm.customers
    ADD COLUMN search_doc text
    GENERATED ALWAYS AS (crm.customer_search_text(name, address, geocoded_address)) STORED;
CREATE INDEX customers_search_doc_trgm ON crm.customers USING gin (search_doc gin_trgm_ops);
DROP INDEX crm.customers_search_trgm;
COMMENT ON COLUMN crm.customers.search_doc IS 'Search normal form of name, address and geocoded address (crm.customer_search_text); what account search matches.';
