-- Refresh a territory's stats after an edit.
UPDATE crm.territories SET stats = CAST(:stats AS jsonb) WHERE territory_id = :territory_id
