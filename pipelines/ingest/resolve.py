"""Turn the names in an import file into ids: reps (accounts) and customers, set-wise.

An unknown rep becomes an account with no password (it cannot log in until an admin sets
one); an unknown customer is created by credit code when the row has one, else by exact
name. A manager's import may only name reps and customers of the manager's team.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import polars as pl
from pypinyin import lazy_pinyin

from pipelines.access import Actor
from pipelines.ingest.pinyin import initials_many
from pipelines.ingest.readers import ROW
from pipelines.ingest.validate import reject

ROW_GROUP_ROWS = 122_880  # DuckDB's default row group size (rows)
_NOT_USERNAME = re.compile(r"[^a-z0-9_.\-]+")
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")


def username_for(name: str, taken: set[str]) -> str:
    """A free username for a person named `name`: 王磊 → wanglei, Moses Frase → moses.frase."""
    if _USERNAME.match(name) and name.lower() not in taken:
        return name
    text = ".".join("".join(lazy_pinyin(part)) for part in name.split())
    base = _NOT_USERNAME.sub("", text.lower()).strip(".-_")[:28] or "rep"
    if len(base) < 3:
        base = f"rep.{base}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def with_initials(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `name_initials`, the pinyin initials of `name` (customers.initials, many at once)."""
    return frame.with_columns(pl.Series("name_initials", initials_many(frame.get_column("name").to_list()),
                                        dtype=pl.String))


def insert_frame(cur, name: str, frame: pl.DataFrame, table: str, returning: str | None = None) -> pl.DataFrame:
    """INSERT every row of a frame in one statement; the RETURNING columns as a frame."""
    if frame.height == 0:
        return pl.DataFrame()
    cols = ", ".join(frame.columns)
    # polars' own string layout (Arrow string views), which DuckDB reads as it is: the default
    # conversion copies every string (0.15-0.4 s for the 1,000,000 rows of a follow-ups import)
    cur.register(name, row_group_batches(frame).to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        sql = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {name}"
        if returning is None:
            cur.execute(sql)
            return pl.DataFrame()
        return cur.execute(f"{sql} RETURNING {returning}").pl()
    finally:
        cur.unregister(name)


def row_group_batches(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame in chunks of DuckDB's row group size, one Arrow batch each: DuckDB scans and
    appends the batches on all its threads (a single batch is one thread: 1.7 s for the
    1,000,000 follow-ups of an import, 0.9 s in batches) and still keeps their order. Other
    sizes measured slower: a batch that straddles row groups is appended by one thread."""
    if frame.height <= ROW_GROUP_ROWS:
        return frame
    return pl.concat([frame.slice(at, ROW_GROUP_ROWS) for at in range(0, frame.height, ROW_GROUP_ROWS)],
                     rechunk=False)


def audit_created(cur, actor: Actor, table: str, ids: list[int], run_id: int) -> None:
    """One audit entry per created row (the row as JSON), written set-wise. The rows of one
    import share their created/updated times: each is written as text once, not once per row
    (a time zone conversion each, the bulk of the work for 100,000 customers)."""
    if not ids:
        return
    cur.register("imp_audit_ids", pl.DataFrame({"id": ids}, schema={"id": pl.Int64}).to_arrow())
    rows = f"{table} t WHERE t.id BETWEEN $lo AND $hi AND t.id IN (SELECT id FROM imp_audit_ids)"
    try:
        cur.execute(
            f"INSERT INTO audit_log (user_id, username, action, table_name, row_id, after, detail)"
            f" WITH stamps AS (SELECT ts, ts::VARCHAR AS text FROM ("
            f"   SELECT t.created_at AS ts FROM {rows} UNION SELECT t.updated_at FROM {rows}))"
            f" SELECT $uid, $uname, 'create', '{table}', x.id, to_json(x)::VARCHAR, $detail FROM ("
            f"   SELECT t.* REPLACE (c.text AS created_at, u.text AS updated_at) FROM {table} t"
            f"   JOIN stamps c ON c.ts = t.created_at JOIN stamps u ON u.ts = t.updated_at"
            f"   WHERE t.id BETWEEN $lo AND $hi AND t.id IN (SELECT id FROM imp_audit_ids)) x ORDER BY x.id",
            {"uid": actor.id, "uname": actor.username, "lo": min(ids), "hi": max(ids),
             "detail": f"import run {run_id}"})
    finally:
        cur.unregister("imp_audit_ids")


# JSON string escapes as DuckDB's to_json writes them (tests/test_ingest_rules.py compares the two)
_CONTROL = [chr(i) for i in range(0x20) if chr(i) not in "\b\f\n\r\t"]
JSON_ESCAPES = (["\\", '"', "\b", "\f", "\n", "\r", "\t", *_CONTROL],
                ["\\\\", '\\"', "\\b", "\\f", "\\n", "\\r", "\\t", *(f"\\u{ord(c):04X}" for c in _CONTROL)])
_STORED_AS_TEXT = "created_at::VARCHAR AS created_at, updated_at::VARCHAR AS updated_at"


def json_value(column: str, dtype: pl.DataType) -> pl.Expr | None:
    """A column's values as DuckDB's to_json writes them (null: `null`); None for other types."""
    if dtype.is_integer():
        value = pl.col(column).cast(pl.String)
    elif dtype == pl.String:
        value = '"' + pl.col(column).str.replace_many(*JSON_ESCAPES) + '"'
    else:
        return None
    return value.fill_null("null")


def audit_inserted(cur, actor: Actor, table: str, frame: pl.DataFrame, run_id: int) -> None:
    """audit_created() for rows that one INSERT just made from `frame` (with their ids), the JSON
    written by polars: what to_json of 100,000 stored rows cost DuckDB (0.3-1 s). The frame's
    columns come from the frame; the others hold their defaults, the same in every row of one
    INSERT (current_timestamp is the transaction's), read once from the first row. Both end rows
    are compared with DuckDB's own JSON; should they differ (a default that varies by row), or for
    columns of other types, audit_created() does the work."""
    values = {c: json_value(c, t) for c, t in frame.schema.items()}
    if frame.height < 1000 or any(v is None for v in values.values()):
        audit_created(cur, actor, table, frame.get_column("id").to_list(), run_id)
        return
    frame = frame.sort("id")
    ends = [int(frame.get_column("id")[0]), int(frame.get_column("id")[-1])]
    columns = [d[0] for d in cur.execute(f"SELECT * FROM {table} LIMIT 0").description]
    stored = f"SELECT t.* REPLACE ({_STORED_AS_TEXT}) FROM {table} t WHERE t.id = $id"
    each = ", ".join(f'to_json(x."{c}")::VARCHAR' for c in columns)
    defaults = cur.execute(f"SELECT {each} FROM ({stored}) x", {"id": ends[0]}).fetchone()
    parts: list[pl.Expr] = []
    text = "{"
    for i, c in enumerate(columns):
        text += f'{"," if i else ""}"{c}":'
        if c in values:
            parts += [pl.lit(text), values[c]]
            text = ""
        else:
            text += defaults[i] if defaults[i] is not None else "null"
    parts.append(pl.lit(text + "}"))
    after = frame.select(pl.col("id").alias("row_id"), pl.concat_str(parts).alias("after"))
    check = [cur.execute(f"SELECT to_json(x)::VARCHAR FROM ({stored}) x", {"id": i}).fetchone()[0] for i in ends]
    if check != [after.get_column("after")[0], after.get_column("after")[-1]]:
        audit_created(cur, actor, table, frame.get_column("id").to_list(), run_id)
        return
    insert_frame(cur, "imp_audit", after.select(
        pl.lit(actor.id, pl.Int64).alias("user_id"), pl.lit(actor.username).alias("username"),
        pl.lit("create").alias("action"), pl.lit(table).alias("table_name"), "row_id", "after",
        pl.lit(f"import run {run_id}").alias("detail")), "audit_log")


def reps(cur, actor: Actor, good: pl.DataFrame, column: str, run_id: int
         ) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Add `<column>_id` to the rows; (rows, rejects, the names of the accounts created)."""
    # in the file's order: the check and the import then create (and list) the accounts alike
    names = good.get_column(column).unique(maintain_order=True).drop_nulls().to_list()
    users = cur.execute("SELECT id, username, display_name, team_id FROM users ORDER BY id").pl()
    by_username = {u.lower(): (i, t) for i, u, t in users.select("id", "username", "team_id").iter_rows()}
    by_display: dict[str, tuple[int, int | None]] = {}
    for i, d, t in users.select("id", "display_name", "team_id").iter_rows():
        by_display.setdefault(d, (i, t))
    found: dict[str, tuple[int, int | None]] = {}
    unknown = []
    for n in names:
        hit = by_username.get(n.lower()) or by_display.get(n)
        if hit:
            found[n] = hit
        else:
            unknown.append(n)
    created: list[str] = []
    if unknown:
        team = actor.team_id if actor.role == "manager" else None
        taken = set(by_username)
        rows = []
        for n in unknown:
            u = username_for(n, taken)
            taken.add(u.lower())
            rows.append({"username": u, "display_name": n[:200], "role": "rep", "team_id": team})
        new = insert_frame(cur, "imp_users", pl.DataFrame(rows, schema={
            "username": pl.String, "display_name": pl.String, "role": pl.String, "team_id": pl.Int64}),
            "users", "id, display_name, team_id")
        for i, d, t in new.iter_rows():
            found[d] = (i, t)
        audit_created(cur, actor, "users", new.get_column("id").to_list(), run_id)
        created = new.get_column("display_name").to_list()
    # each name looked up once (a join of the whole rows would move every cell)
    names = pl.Series(list(found), dtype=pl.String)
    rows = good.with_columns(
        pl.col(column).replace_strict(names, [v[0] for v in found.values()], default=None, return_dtype=pl.Int64)
        .alias(f"{column}_id"))
    rejects = pl.DataFrame()
    if actor.role == "manager":  # only a manager's import is limited to a team (the names' teams: a second pass)
        mine = actor.team_id if actor.team_id is not None else -2
        others = [n for n, (_i, team) in found.items() if (team if team is not None else -1) != mine]
        other = pl.col(column).is_in(pl.Series(others, dtype=pl.String).implode()) | pl.col(column).is_null()
        rejects = reject(rows.filter(other), column, "", "ingest.reject.rep_other_team", column)
        rows = rows.filter(~other)
    return rows, rejects, created


def customers(cur, actor: Actor, rows: pl.DataFrame, name_col: str, uscc_col: str, run_id: int,
              owner_col: str | None, order_col: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Add `customer_id`; unknown customers are created (owned by `owner_col`) or, without an
    owner column, rejected. (rows, rejects, customers created)"""
    rows, rejects, new = match_customers(cur, actor, rows, name_col, uscc_col, owner_col, order_col)
    return rows, rejects, create_customers(cur, actor, with_initials(new), run_id)


def match_customers(cur, actor: Actor, rows: pl.DataFrame, name_col: str, uscc_col: str, owner_col: str | None,
                    order_col: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Add `customer_id` and `_created` to the rows. An unknown customer gets an id from the
    sequence now and is created later by create_customers() (owned by `owner_col` of its first
    row by `order_col`), or, without an owner column, is rejected.
    (rows, rejects, the customers to create: id, name, uscc, owner_id)"""
    existing = cur.execute(
        "SELECT c.id, c.name, c.uscc, u.team_id FROM customers c LEFT JOIN users u ON u.id = c.owner_id"
        " WHERE c.deleted_at IS NULL ORDER BY c.id").pl()
    by_uscc = existing.filter(pl.col("uscc").is_not_null()).unique("uscc", keep="first").select(
        pl.col("uscc").alias("_key"), pl.col("id").alias("_cid_u"), pl.col("team_id").alias("_team_u"))
    by_name = existing.unique("name", keep="first").select(
        pl.col("name").alias("_key"), pl.col("id").alias("_cid_n"), pl.col("team_id").alias("_team_n"))
    rows = rows.with_columns(pl.coalesce(uscc_col, name_col).alias("_key"), pl.col(uscc_col).is_not_null()
                             .alias("_by_uscc"))
    # Names are matched once per distinct key, and the rows joined to the result once at the end
    # (each join of the whole rows moves every cell).
    on = ["_key", "_by_uscc"]
    keys = rows.select(on).unique().join(by_uscc, on="_key", how="left").join(by_name, on="_key", how="left") \
        .select(*on, pl.when("_by_uscc").then("_cid_u").otherwise("_cid_n").alias("customer_id"),
                pl.when("_by_uscc").then("_team_u").otherwise("_team_n").alias("_cteam"))
    rejects = []
    if actor.role == "manager":
        other = keys.filter(pl.col("customer_id").is_not_null()
                            & (pl.col("_cteam").fill_null(-1) != actor.team_id)).select(on)
        rejects.append(reject(rows.join(other, on=on, how="semi"), "customer_name", "",
                              "ingest.reject.customer_other_team", "_key"))
        rows = rows.join(other, on=on, how="anti")
        keys = keys.join(other, on=on, how="anti")
    unknown = keys.filter(pl.col("customer_id").is_null()).select(on)
    new = pl.DataFrame(schema={"id": pl.Int64, "name": pl.String, "uscc": pl.String, "owner_id": pl.Int64})
    keys = keys.with_columns(pl.lit(False).alias("_created"))
    if unknown.height and owner_col is None:
        rejects.append(reject(rows.join(unknown, on=on, how="semi"), "customer_name", "",
                              "ingest.reject.customer_unknown", "_key"))
        rows = rows.join(unknown, on=on, how="anti")
    elif unknown.height:
        # only the columns a new customer needs: sorting the whole rows would move every cell
        needed = dict.fromkeys([ROW, "_key", name_col, uscc_col, *(c for c in (order_col, owner_col) if c)])
        missing = rows.select(*needed, "_by_uscc")
        if unknown.height < keys.height:  # (into an empty database every key is unknown)
            missing = missing.join(unknown, on=on, how="semi")
        if order_col and missing.get_column(order_col).null_count() == 0:
            # Each key's first row by (time, row), ordered so: each key's earliest rows (a
            # grouping), the first of them in file order, sorted by (time, row). The same rows as
            # sorting every row by (time, row) and keeping each key's first, for a third of the cost.
            at = pl.col(order_col)
            missing = missing.filter(at == at.min().over("_key"))
            if not missing.get_column(ROW).is_sorted():
                missing = missing.sort(ROW)
            first = missing.unique("_key", keep="first", maintain_order=True).sort(order_col, ROW)
        else:
            if order_col:  # rows in file order: a stable sort by time alone orders them by (time, row)
                missing = missing.sort(order_col, maintain_order=True) if missing.get_column(ROW).is_sorted() \
                    else missing.sort(order_col, ROW)
            first = missing.unique("_key", keep="first", maintain_order=True)
        first = first.with_columns(new_ids(cur, "customers", first.height).alias("id"))
        new = first.select("id", pl.col(name_col).fill_null(pl.col(uscc_col)).alias("name"),
                           pl.col(uscc_col).alias("uscc"), pl.col(owner_col).alias("owner_id"))
        keys = keys.join(first.select("_key", pl.col("id").alias("_new")), on="_key", how="left").with_columns(
            pl.coalesce("customer_id", "_new").alias("customer_id"),
            pl.col("_new").is_not_null().alias("_created")).drop("_new")
    found = rows.select(on).join(keys.select(*on, "customer_id", "_created"), on=on, how="left",
                                 maintain_order="left")
    rows = rows.with_columns(found.get_column("customer_id"), found.get_column("_created"))
    return rows.drop("_by_uscc"), _concat(rejects), new


def create_customers(cur, actor: Actor, new: pl.DataFrame, run_id: int) -> int:
    """Insert the customers match_customers() found missing (with `name_initials`, and any other
    customers column the caller added) and audit each; returns how many."""
    if new.height == 0:
        return 0
    insert_frame(cur, "imp_customers", new, "customers")
    audit_inserted(cur, actor, "customers", new, run_id)
    return new.height


def owners(cur, customer_ids: pl.Series) -> pl.DataFrame:
    """id, owner_id of these stored customers."""
    ids = customer_ids.unique()
    if ids.len() == 0:
        return pl.DataFrame(schema={"id": pl.Int64, "owner_id": pl.Int64})
    cur.register("imp_owner_ids", ids.to_frame("id").to_arrow())
    try:
        return cur.execute("SELECT id, owner_id FROM customers WHERE id IN (SELECT id FROM imp_owner_ids)").pl() \
            .cast({"id": pl.Int64, "owner_id": pl.Int64})
    finally:
        cur.unregister("imp_owner_ids")


def initials_later(new: pl.DataFrame) -> Callable[[], pl.DataFrame]:
    """Work out the new customers' pinyin initials in a thread while the import goes on (it is
    Python work, and the import's DuckDB and polars steps leave the interpreter free); the
    returned function waits for them and gives `new` with `name_initials`."""
    if new.height < 1000:  # not worth a thread
        done = with_initials(new)
        return lambda: done
    pool = ThreadPoolExecutor(1)
    names = new.get_column("name").to_list()
    job = pool.submit(initials_many, names)
    pool.shutdown(wait=False)
    return lambda: new.with_columns(pl.Series("name_initials", job.result(), dtype=pl.String))


def new_ids(cur, table: str, n: int) -> pl.Series:
    """n ids from the table's sequence, taken at once, so inserted rows are known by id."""
    if n == 0:
        return pl.Series([], dtype=pl.Int64)
    from pipelines.postgres import PgCursor

    if isinstance(cur, PgCursor):  # the sequence lives in PostgreSQL
        sql = f"SELECT nextval('{table}_id_seq') AS id FROM generate_series(1, {int(n)})"
        return cur.execute("SELECT * FROM postgres_query('db', $q)", {"q": sql}).pl().get_column("id").sort()
    return cur.execute(f"SELECT nextval('{table}_id_seq') AS id FROM range($n)", {"n": n}).pl() \
        .get_column("id").sort()


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames) if frames else pl.DataFrame()
