-- 9001: compiled only into the "newer" binary of the rolling-deploy test
-- (build tag jag_rolling, cmd/jag/e2e_rolling_test.go); never shipped.
-- An additive change that takes a while, as a real index build would:
-- the older replicas keep serving and stay ready while it runs and after.
-- compat: 1
CREATE TABLE rolling_probe (id integer PRIMARY KEY, note text NOT NULL);
SELECT pg_sleep(2);
