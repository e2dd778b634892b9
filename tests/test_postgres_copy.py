"""The PostgreSQL backend's local analytics copy (pipelines/local_copy.py): reads come from it, it
is never stale after this replica's writes, and it takes other replicas' writes when the shared
data version moves, including a transaction that commits after a later one."""

from __future__ import annotations

import pytest

from pipelines import customers, local_copy, postgres
from pipelines.models import CustomerIn
from pipelines.store import Store
from tests.conftest import Org
from tests.test_postgres import pg_store  # noqa: F401 - the fixture


def _same(store: Store, sql: str) -> None:
    """The copy answers `sql` exactly as PostgreSQL does."""
    copied = store.query(sql)
    direct = store.cursor().execute(sql).pl()
    assert copied.equals(direct), (copied, direct)


def _team_names(store: Store) -> set[str]:
    return set(store.query("SELECT name FROM teams")["name"])


@pytest.fixture
def replica(pg_store):
    """A second app replica on the same PostgreSQL database; versions reread on every read."""
    other = Store(pg_store.location)
    yield other
    other.close()


def test_reads_come_from_the_copy_and_show_this_replicas_writes_at_once(pg_store):
    org = Org(pg_store)  # written through the raw cursor, outside store.write
    assert pg_store.scalar("SELECT count(*) FROM users") == 7
    assert pg_store._reader("SELECT 1") is not pg_store.cursor(), "a read goes to the local copy"
    rep = org["rep1"]
    cid = customers.create(pg_store, rep, CustomerIn(name="甲公司", owner_id=rep.id))
    assert pg_store.scalar("SELECT name FROM customers WHERE id = $i", {"i": cid}) == "甲公司"
    customers.update(pg_store, rep, cid, CustomerIn(name="甲公司(新)", owner_id=rep.id))
    assert pg_store.scalar("SELECT name FROM customers WHERE id = $i", {"i": cid}) == "甲公司(新)"
    customers.delete(pg_store, rep, cid)
    pg_store.cursor().execute("DELETE FROM teams WHERE name = '二组'")  # a hard delete, too
    for table in ("customers", "users", "teams", "audit_log", "stage_changes"):
        _same(pg_store, f"SELECT * FROM {table} ORDER BY id")
    settled = pg_store._copy.refreshes
    pg_store.query("SELECT * FROM customers")
    pg_store.scalar("SELECT count(*) FROM teams")
    assert pg_store._copy.refreshes == settled, "nothing written: no refresh"


def test_statements_that_write_run_on_postgresql(pg_store):
    Org(pg_store)
    new_id = pg_store.scalar("INSERT INTO teams (name) VALUES ('三组') RETURNING id")
    assert pg_store.scalar("SELECT name FROM teams WHERE id = $i", {"i": new_id}) == "三组"
    assert pg_store.scalar("SELECT nextval('teams_id_seq')") > new_id


def test_reads_inside_a_write_see_its_open_transaction_and_a_rollback_leaves_the_copy_clean(pg_store):
    Org(pg_store)

    def work(cur):
        cur.execute("INSERT INTO teams (name) VALUES ('三组')")
        assert "三组" in _team_names(pg_store)
        raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        pg_store.write(work)
    assert "三组" not in _team_names(pg_store)
    _same(pg_store, "SELECT * FROM teams ORDER BY id")


def test_another_replicas_write_shows_when_the_data_version_moves(pg_store, replica, monkeypatch):
    monkeypatch.setattr(postgres, "VERSION_TTL_SECONDS", 0.0)
    Org(pg_store)
    assert _team_names(pg_store) == {"一组", "二组"}
    replica.write(lambda cur: cur.execute("INSERT INTO teams (name) VALUES ('三组')"))
    replica.write(lambda cur: cur.execute("UPDATE teams SET name = '一组(新)' WHERE name = '一组'"))
    assert _team_names(pg_store) == {"一组(新)", "二组", "三组"}


def test_a_transaction_that_commits_after_a_later_one_is_not_missed(pg_store, replica, monkeypatch):
    """`slow` writes first and commits last: a copy that kept only "the newest change seen" would
    never take its row; the copy reads the log from the oldest transaction still running."""
    monkeypatch.setattr(postgres, "VERSION_TTL_SECONDS", 0.0)
    Org(pg_store)
    assert _team_names(pg_store) == {"一组", "二组"}
    slow = Store(pg_store.location)
    try:
        cur = slow.cursor()
        cur.execute("BEGIN TRANSACTION")
        cur.execute("INSERT INTO teams (name) VALUES ('慢')")
        replica.write(lambda c: c.execute("INSERT INTO teams (name) VALUES ('快')"))
        assert _team_names(pg_store) == {"一组", "二组", "快"}
        cur.execute("COMMIT")
    finally:
        slow.close()
    replica.write(lambda c: c.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')"))  # moves the version
    assert _team_names(pg_store) == {"一组", "二组", "快", "慢"}


def test_many_changed_rows_copy_the_table_whole(pg_store, replica, monkeypatch):
    monkeypatch.setattr(postgres, "VERSION_TTL_SECONDS", 0.0)
    monkeypatch.setattr(local_copy, "WHOLE_TABLE_ROWS", 1)
    Org(pg_store)
    pg_store.scalar("SELECT count(*) FROM users")
    replica.write(lambda cur: cur.execute("INSERT INTO teams (name) SELECT '组' || i FROM range(5) t(i)"))
    replica.write(lambda cur: cur.execute("UPDATE users SET display_name = display_name || '!'"))
    _same(pg_store, "SELECT * FROM teams ORDER BY id")
    _same(pg_store, "SELECT * FROM users ORDER BY id")


def test_every_app_table_logs_its_changes(pg_store):
    """A migration that adds a table must call followup_changes.track('<table>')."""
    tables = set(pg_store.query("SELECT table_name FROM duckdb_tables() WHERE database_name = 'db'"
                                " AND schema_name = 'public'")["table_name"])
    triggers = pg_store.cursor().execute(
        "SELECT * FROM postgres_query('db', 'SELECT event_object_table::text, count(*) FROM information_schema.triggers"
        " WHERE trigger_name LIKE ''followup_log_%'' GROUP BY 1')").fetchall()
    assert dict(triggers) == dict.fromkeys(tables, 3)


def test_old_log_entries_are_pruned(pg_store, monkeypatch):
    Org(pg_store)
    pg_store.scalar("SELECT count(*) FROM teams")
    monkeypatch.setattr(local_copy, "PRUNE_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(local_copy, "PRUNE_AFTER", "0 seconds")
    pg_store.write(lambda cur: cur.execute("INSERT INTO teams (name) VALUES ('三组')"))
    assert "三组" in _team_names(pg_store)
    assert postgres.pg_scalar(pg_store.cursor(), f"SELECT count(*) FROM {local_copy.LOG}") == 0


def test_the_copy_can_be_turned_off(pg_store, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_PG_COPY", "off")
    direct = Store(pg_store.location)
    try:
        assert direct._copy is None and direct._reader("SELECT 1") is direct.cursor()
        assert direct.scalar("SELECT count(*) FROM teams") == 0
    finally:
        direct.close()



def test_a_table_is_copied_on_the_first_read_that_names_it(pg_store):
    Org(pg_store)
    assert pg_store.scalar("SELECT count(*) FROM teams") == 2
    assert "teams" in pg_store._copy.columns and "contracts" not in pg_store._copy.columns
    pg_store.write(lambda cur: cur.execute("INSERT INTO contracts (customer_id, rep_id, signed_on, amount)"
                                           " VALUES (1, 1, DATE '2026-01-05', 100)"))
    assert pg_store.scalar("SELECT sum(amount) FROM contracts") == 100
    assert "contracts" in pg_store._copy.columns
    _same(pg_store, "SELECT * FROM contracts ORDER BY id")
    pg_store.warm()
    assert set(pg_store._copy.columns) == pg_store._copy.tables


def test_the_dashboard_warms_the_copy_in_the_background_at_start(pg_server, monkeypatch):
    import time

    from dashboard import data

    name = pg_server.create(template=pg_server.template)
    monkeypatch.setenv("FOLLOWUP_DB", pg_server.url(name))
    data._store.clear()
    try:
        opened = data.store()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (opened._copy.tables
                                                   and set(opened._copy.columns) == opened._copy.tables):
            time.sleep(0.1)
        assert opened._copy.tables and set(opened._copy.columns) == opened._copy.tables  # no read asked
    finally:
        data._store.clear()
        pg_server.drop(name)


def test_a_table_is_named_copied_only_once_its_copy_is_committed(pg_store, monkeypatch):
    """A reader in another thread checks, without the lock, whether its tables are copied: a table
    named copied while its copy was uncommitted failed that reader with "Table teams does not exist"."""
    pg_store.query("SELECT 1 FROM users")  # the copy is built, with users
    copy = pg_store._copy
    seen = []
    step = copy._in_transaction

    def watched(work):
        def inside(cur):
            out = work(cur)
            seen.append(set(copy.columns))  # what an unlocked reader would see before the COMMIT
            return out
        return step(inside)

    monkeypatch.setattr(copy, "_in_transaction", watched)
    pg_store.query("SELECT t.name FROM teams t JOIN contacts c ON true LIMIT 1")
    assert seen and all("teams" not in s and "contacts" not in s for s in seen), seen
    assert {"teams", "contacts"} <= set(copy.columns)  # and named once committed
