"""Put a test database back to how it was before a migration, so a test can apply it again."""

from __future__ import annotations

from pipelines import postgres

# What each migration with a backfill adds: its tables, each with the sequence of its ids.
TABLES = {6: ("follow_up_daily",), 7: ("stage_daily", "risk_daily")}


def undo_from(store, version: int) -> None:
    """Drop what migration `version` and every later one in TABLES created and forget them."""
    drops = "".join(f"DROP TABLE {t}; DROP SEQUENCE {t}_id_seq; "
                    for v in sorted(TABLES, reverse=True) if v >= version for t in TABLES[v])
    forget = f"DELETE FROM schema_version WHERE version >= {int(version)};"
    if store.backend == "postgres":  # (0004's change log cannot log schema_version: no id column)
        postgres.execute(store.cursor(), drops + "ALTER TABLE schema_version DISABLE TRIGGER followup_log_delete; "
                         + forget + " ALTER TABLE schema_version ENABLE TRIGGER followup_log_delete;")
        store.cursor().execute("CALL pg_clear_cache()")
    else:
        store.write(lambda cur: cur.execute(drops + forget))
