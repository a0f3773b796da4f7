-- Rename, (un)lock or give another rep to one territory of a draft plan; NULL keeps the
-- name or the lock, and :set_rep says whether rep_id changes (it may become NULL: no rep).
UPDATE crm.territories
SET name = coalesce(CAST(:name AS text), name),
    locked = coalesce(CAST(:locked AS boolean), locked),
    rep_id = CASE WHEN CAST(:set_rep AS boolean) THEN CAST(:rep_id AS integer) ELSE rep_id END
WHERE territory_id = :territory_id AND plan_id = :plan_id
