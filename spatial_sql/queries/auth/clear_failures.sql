DELETE FROM auth.login_attempts WHERE key = :key
