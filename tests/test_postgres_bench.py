"""`followup bench --db postgresql://…`: the scratch databases it makes beside the bench database."""

from __future__ import annotations

from benchmarks import pg
from pipelines import cli
from pipelines.store import Store


def test_scratch_databases_are_made_beside_and_dropped(pg_server):
    name = pg_server.create(template=pg_server.template)
    url = pg_server.url(name)
    with pg.scratch(url, "writes", template=name) as copy:
        assert pg.database_name(copy) == f"{name}_writes"
        s = Store(copy)
        try:
            assert s.scalar("SELECT max(version) FROM schema_version") is not None  # the template's schema
        finally:
            s.close()
    left = pg_server.psql(f"SELECT count(*) FROM pg_database WHERE datname LIKE '{name}\\_%'")
    assert left == "0"
    pg_server.drop(name)


def test_bench_takes_a_postgresql_url_and_refuses_other_urls(capsys):
    assert cli.main(["bench", "--db", "mysql://h/db", "--follow-ups", "1000"]) != 0
    assert "postgresql://" in capsys.readouterr().err
