INSERT INTO auth.login_attempts AS a (key, window_start, failures) VALUES (:key, now(), 1)
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN a.window_start > now() - make_interval(secs => :window_s)
                    THEN a.failures + 1 ELSE 1 END,
    window_start = CASE WHEN a.window_start > now() - make_interval(secs => :window_s)
                        THEN a.window_start ELSE now() END
