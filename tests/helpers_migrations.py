"""Put a test database back to how it was before a migration, so a test can apply it again."""

from __future__ import annotations

from pipelines import postgres

# What each migration with a backfill adds: its tables, each with the sequence of its ids; and
# its columns of older tables.
TABLES = {6: ("follow_up_daily",), 7: ("stage_daily", "risk_daily")}
COLUMNS = {8: (("follow_up_daily", "converted"),), 10: (("users", "must_change_password"),)}


def undo_from(store, version: int) -> None:
    """Drop what migration `version` and every later one in TABLES and COLUMNS created and forget them."""
    dropped = {t for v in TABLES if v >= version for t in TABLES[v]}
    drops = "".join(f"ALTER TABLE {t} DROP COLUMN {c}; "
                    for v in sorted(COLUMNS, reverse=True) if v >= version for t, c in COLUMNS[v] if t not in dropped)
    drops += "".join(f"DROP TABLE {t}; DROP SEQUENCE {t}_id_seq; "
                     for v in sorted(TABLES, reverse=True) if v >= version for t in TABLES[v])
    forget = f"DELETE FROM schema_version WHERE version >= {int(version)};"
    if store.backend == "postgres":  # (0004's change log cannot log schema_version: no id column)
        postgres.execute(store.cursor(), drops + "ALTER TABLE schema_version DISABLE TRIGGER followup_log_delete; "
                         + forget + " ALTER TABLE schema_version ENABLE TRIGGER followup_log_delete;")
        store.cursor().execute("CALL pg_clear_cache()")
    else:
        store.write(lambda cur: cur.execute(drops + forget))
