-- 0004 (PostgreSQL twin): a change log for each replica's local analytics copy (pipelines/local_copy.py).
-- Every INSERT, UPDATE and DELETE on an app table logs, once per statement, the ids it touched and
-- its transaction id. A replica re-copies the logged rows of transactions from its last horizon on
-- (the oldest transaction still running when it last read), so a transaction that commits late is
-- never missed. The log lives in its own schema: the app's tables and DuckDB's schema stay twins.
-- A later migration that adds a table calls `SELECT followup_changes.track('<table>');` (a test checks).

CREATE SCHEMA followup_changes;

CREATE TABLE followup_changes.log (
    xid BIGINT NOT NULL,
    table_name VARCHAR NOT NULL,
    ids BIGINT[] NOT NULL,
    logged_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX log_xid ON followup_changes.log (xid);

CREATE FUNCTION followup_changes.record() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO followup_changes.log (xid, table_name, ids)
        SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, array_agg(id) FROM old_rows HAVING count(*) > 0;
    ELSE
        INSERT INTO followup_changes.log (xid, table_name, ids)
        SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, array_agg(id) FROM new_rows HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$fn$;

-- Statement triggers with transition tables: one log row per statement, even for a bulk COPY.
CREATE FUNCTION followup_changes.track(target regclass) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('CREATE TRIGGER followup_log_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION followup_changes.record()', target);
    EXECUTE format('CREATE TRIGGER followup_log_update AFTER UPDATE ON %s REFERENCING NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION followup_changes.record()', target);
    EXECUTE format('CREATE TRIGGER followup_log_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION followup_changes.record()', target);
END
$fn$;

SELECT followup_changes.track(c.oid) FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r';
