SELECT store_id FROM crm.stores ORDER BY store_id
