-- A search query in search normal form (what customers/search.sql compares).
SELECT crm.search_normalize(:q)
