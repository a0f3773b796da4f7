-- Failures of a key in the current window (a window older than :window_s starts over).
SELECT CASE WHEN window_start > now() - make_interval(secs => :window_s) THEN failures ELSE 0 END
FROM auth.login_attempts WHERE key = :key
