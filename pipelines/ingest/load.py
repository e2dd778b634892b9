"""Load one import file: read, check, resolve, dedupe and insert in ONE transaction.

The good rows of a file load together or not at all; a file that cannot be read loads
nothing and its summary carries `error`. Every run is recorded in `import_runs` and in the
audit log (action "import"). Rejected rows go to a rejects CSV (UTF-8 with BOM) under
data/rejects/ with the row number, field and reason in Chinese and English.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines import audit, config, sql
from pipelines.access import Actor, NotPermitted
from pipelines.hashing import sha256_file
from pipelines.ingest import kinds, readers, validate
from pipelines.ingest import mapping as maps
from pipelines.ingest.messages import write_rejects
from pipelines.store import Store

Progress = Callable[[str], None]


@dataclass
class RunSummary:
    """What one file's import did; `as_json()` holds the keys of ../shared/INTERFACES.md."""

    path: str
    run_id: int | None = None
    kind: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    rejects_path: str | None = None
    error: str | None = None
    error_by_lang: dict[str, str] = field(default_factory=dict, repr=False)  # the page's, in its language
    users_created: int = 0
    users_new: list[str] = field(default_factory=list)  # their names, to catch a misspelt rep before confirming
    customers_created: int = 0
    stage_changes: int = 0
    stage_changes_rule_broken: int = 0
    newest: datetime | None = None  # the latest follow-up loaded (follow-up files)
    oldest: datetime | None = None  # the earliest
    columns: dict[str, str] = field(default_factory=dict)
    rejects: pl.DataFrame | None = field(default=None, repr=False)
    # the rows skipped as duplicates: source row and `same_as`, the earlier row of the file (null: stored already)
    duplicates: pl.DataFrame | None = field(default=None, repr=False)
    # the stage changes that broke a stage rule: source row, from_stage, to_stage, changed_at
    broken: pl.DataFrame | None = field(default=None, repr=False)

    def as_json(self) -> dict:
        out = asdict(self)
        out.pop("rejects")
        out.pop("duplicates")
        out.pop("error_by_lang")
        out.pop("broken")
        out["newest"] = self.newest.isoformat() if self.newest else None
        out["oldest"] = self.oldest.isoformat() if self.oldest else None
        return out


class _DryRun(Exception):
    """Raised at the end of a dry run so the store rolls the transaction back."""

    def __init__(self, summary: RunSummary):
        super().__init__("dry run")
        self.summary = summary


def file_hash(path: Path) -> str:
    return sha256_file(path)


def previous_import(store: Store, actor: Actor, path: str | Path) -> dict | None:
    """The latest import of a file with the same bytes that loaded rows (finished_at, user_name,
    rows_loaded), or None: the page says so before a second import, which only counted duplicates."""
    require_importer(actor)
    found = store.query(sql.load("ingest/previous_import"), {"hash": file_hash(Path(path))})
    return found.row(0, named=True) if found.height else None


def require_importer(actor: Actor) -> None:
    if actor.role not in ("manager", "admin"):
        raise NotPermitted("只有经理和管理员可以导入数据。", "Only managers and admins import data.")


def prepare(path: str | Path, kind: str = "auto", mapping: maps.Mapping | None = None,
            sheet: str | None = None, known: bool = True) -> tuple[readers.Table, str, dict[str, str]]:
    """Read a file and find its kind and columns; raises readers.ReadError. `known` False: a file
    none of whose headers is recognised is read too (the import page lets the user say which
    column is which), with no columns found."""
    extra = set(mapping.columns.values()) if mapping else set()

    def hint(cells: list[str]) -> int:
        return maps.recognised(cells) + sum(1 for c in cells if c in extra)

    table = readers.read(path, sheet=sheet, header_hint=hint)
    if kind == "auto":
        kind = maps.detect_kind(table.headers, mapping)
    columns = maps.match_headers(table.headers, kind, mapping)
    absent = maps.absent_columns(table.headers, mapping)
    if absent:  # a column the mapping names and the file lacks: the mapping does not fit
        shown = [_short(h) for h in table.headers[:12]]
        raise readers.ReadError(
            f"映射文件中的列「{'」「'.join(absent)}」在文件中找不到(文件的列:{'、'.join(shown) or '无'})。"
            "请检查映射文件是否适用于这个文件。",
            f"the mapping names columns the file does not have: {', '.join(absent)} (the file's columns: "
            f"{', '.join(shown) or 'none'}). Check that the mapping fits this file.")
    if known and not columns and not (mapping and mapping.defaults):
        found = [_short(h) for h in table.headers[:8]]
        raise readers.ReadError(
            f"表头中没有可识别的列(找到:{'、'.join(found) or '无'})。请使用导入模板的列名或映射文件。",
            f"no column of the header row is recognised (found: {', '.join(found) or 'none'}). "
            "Use the template's column names or a mapping file.")
    return table, kind, columns


def _short(header: str) -> str:
    return header if len(header) <= 30 else header[:30] + "…"


def load_file(store: Store, actor: Actor, path: str | Path, kind: str = "auto",
              mapping: maps.Mapping | None = None, sheet: str | None = None, *,
              file_name: str | None = None, dry_run: bool = False,
              progress: Progress | None = None, known: bool = True) -> RunSummary:
    """Import one file; never raises for a bad file (the summary's `error` says why)."""
    require_importer(actor)
    path = Path(path)
    name = file_name or path.name
    step = progress or (lambda _s: None)
    summary = RunSummary(path=str(path))
    step("read")
    digest = ""
    # the hash reads the file again: in a thread (hashlib leaves the interpreter free) while it is
    # parsed and checked
    hashing = ThreadPoolExecutor(1)
    pending = hashing.submit(file_hash, path)
    hashing.shutdown(wait=False)
    try:
        table, kind, columns = prepare(path, kind, mapping, sheet, known)
        summary.kind, summary.columns = kind, columns
        step("check")
        checked = validate.check(table, kind, columns, mapping)
        digest = pending.result()
    except (readers.ReadError, OSError) as exc:
        summary.error = f"{exc.zh} / {exc.en}" if isinstance(exc, readers.ReadError) else str(exc)
        if isinstance(exc, readers.ReadError):
            summary.error_by_lang = {"zh_CN": exc.zh, "en": exc.en}
        if not dry_run:
            summary.run_id = _record_failure(store, actor, name, digest, kind, summary.error)
        step("done")
        return summary
    step("load")

    def work(cur) -> RunSummary:
        run_id = cur.execute(
            "INSERT INTO import_runs (file_name, file_hash, kind, user_id) VALUES ($n, $h, $k, $u) RETURNING id",
            {"n": name, "h": digest, "k": kind, "u": actor.id}).fetchone()[0]
        out = kinds.LOADERS[kind](cur, actor, checked, run_id)
        rejects = validate.concat_rejects([checked.rejects, *out.rejects]).with_columns(
            # the file's column of the field; none for a field the file has no column for (or the whole row)
            pl.when(pl.col("column") == "").then(pl.col("field").replace_strict(columns, default=None))
            .otherwise("column")
            .alias("column"))
        result = RunSummary(
            path=str(path), run_id=run_id, kind=kind, rows_read=checked.rows_read, rows_loaded=out.loaded,
            rows_rejected=rejects.get_column(readers.ROW).n_unique() if rejects.height else 0,
            rows_duplicate=out.duplicate, duplicates=out.duplicates, users_created=out.users_created, users_new=out.users_new,
            customers_created=out.customers_created, stage_changes=out.stage_changes,
            stage_changes_rule_broken=out.rule_broken, broken=out.broken, newest=out.newest, oldest=out.oldest, columns=columns, rejects=rejects)
        if rejects.height:
            result.rejects_path = str(rejects_file(run_id, name, dry_run))
        counts = {k: getattr(result, k) for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate",
                                                   "users_created", "customers_created", "stage_changes",
                                                   "stage_changes_rule_broken")}
        cur.execute("UPDATE import_runs SET rows_read = $r, rows_loaded = $l, rows_rejected = $x,"
                    " rows_duplicate = $d, status = 'done', rejects_path = $p, finished_at = current_timestamp,"
                    " updated_at = current_timestamp WHERE id = $id",
                    {"r": result.rows_read, "l": result.rows_loaded, "x": result.rows_rejected,
                     "d": result.rows_duplicate, "p": result.rejects_path, "id": run_id})
        audit.record(cur, actor, "import", "import_runs", run_id, after={"file": name, "kind": kind, **counts},
                     detail=name)
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        result = store.write(work)
    except _DryRun as done:
        result = done.summary
    if result.rejects_path and result.rejects is not None:
        write_rejects(result.rejects, Path(result.rejects_path), kind, table.frame)
    if dry_run:
        prune_previews()
    step("done")
    return result


PREVIEW_KEPT_S = 24 * 3600


def prune_previews(now: float | None = None) -> None:
    """Remove the rejects files of checks (previews) older than a day: each check of a file
    writes one, and only the page that made it offers it for download. And the /import page's
    uploaded files untouched for a day (the page touches the one it works on): their rows are in
    the database or were not wanted, and they hold customers' personal data (SPEC: no more kept
    than needed)."""
    now = now if now is not None else time.time()
    folder = config.data_dir()
    for old in [*(folder / "rejects").glob("preview-*.csv"), *(folder / "uploads").glob("*")]:
        with contextlib.suppress(OSError):  # another process may remove it first
            if now - old.stat().st_mtime > PREVIEW_KEPT_S:
                old.unlink()


def rejects_file(run_id: int, name: str, dry_run: bool = False) -> Path:
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).stem)[:60]
    prefix = "preview-" if dry_run else ""
    return config.data_dir() / "rejects" / f"{prefix}{run_id:06d}-{stem}.csv"


def _record_failure(store: Store, actor: Actor, name: str, digest: str, kind: str, error: str) -> int:
    def work(cur) -> int:
        run_id = cur.execute(
            "INSERT INTO import_runs (file_name, file_hash, kind, user_id, status, error, finished_at)"
            " VALUES ($n, $h, $k, $u, 'failed', $e, current_timestamp) RETURNING id",
            {"n": name, "h": digest, "k": kind, "u": actor.id, "e": error}).fetchone()[0]
        audit.record(cur, actor, "import", "import_runs", run_id, after={"file": name, "error": error},
                     detail=name)
        return run_id

    return store.write(work)
