-- 0004: the change log of the PostgreSQL backend's analytics copies (see postgres/0004_change_log.sql).
-- The embedded file serves one process and needs none: nothing to change here.
SELECT 1;
