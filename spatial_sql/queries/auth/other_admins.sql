-- Enabled administrators other than :user_id (the last one may not be disabled or demoted).
SELECT count(*) FROM auth.users
WHERE role = 'admin' AND disabled_at IS NULL AND user_id <> :user_id
