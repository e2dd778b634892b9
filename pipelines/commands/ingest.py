"""`followup ingest FILE...`: import spreadsheets and other CRMs' exports.

Exit 0 when every file was read (whatever was rejected), 1 when a file could not be read at
all (nothing of it loads; the other files still load). Progress goes to stderr; with
--json, stdout holds only the JSON document.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines import i18n
from pipelines.access import SYSTEM
from pipelines.cli import CommandError, common, emit
from pipelines.ingest import KINDS, Mapping, MappingError, load_file
from pipelines.ingest.kinds import assumed
from pipelines.ingest.messages import assumed_notice
from pipelines.store import open_store

BAR_MIN_BYTES = 2_000_000  # files smaller than this load too fast for a bar to help
STEPS = ("read", "check", "load", "done")


def register(sub) -> None:
    p = sub.add_parser("ingest", help="导入文件 / import files (CSV, Excel, Parquet, JSON)")
    common(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=[*KINDS, "auto"], default="auto")
    p.add_argument("--mapping", metavar="MAP.yaml", help="映射文件 / mapping file for another system's export")
    p.add_argument("--sheet", metavar="NAME", help="Excel 工作表 / Excel sheet (default: the first)")
    p.set_defaults(func=run)


def _progress(path: Path):
    """A tqdm bar over the import's steps on stderr, for large files only."""
    try:
        big = path.stat().st_size >= BAR_MIN_BYTES
    except OSError:
        big = False
    if not big:
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=len(STEPS), desc=path.name, unit="step", file=sys.stderr, leave=False)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    return step, bar


def run(args) -> int:
    mapping = None
    if args.mapping:
        try:
            mapping = Mapping.load(args.mapping)
        except MappingError as exc:
            raise CommandError(str(exc)) from None
    kind = mapping.kind if (mapping and mapping.kind and args.kind == "auto") else args.kind
    store = open_store(args.db)
    results, lines, failed = [], [], False
    for name in args.files:
        path = Path(name)
        step, bar = _progress(path)
        try:
            summary = load_file(store, SYSTEM, path, kind, mapping, args.sheet, progress=step)
        finally:
            if bar is not None:
                bar.close()
        results.append({k: summary.as_json()[k] for k in (
            "path", "run_id", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "rejects_path",
            "error", "kind", "users_created", "users_new", "customers_created", "stage_changes",
            "stage_changes_rule_broken")})
        if summary.error:
            failed = True
            print(i18n.t("ingest.cli_error", "zh_CN", path=name, error=summary.error), file=sys.stderr)
            continue
        lines.append(i18n.t("ingest.cli_summary", "zh_CN", path=name, read=summary.rows_read,
                            loaded=summary.rows_loaded, rejected=summary.rows_rejected,
                            duplicate=summary.rows_duplicate)
                     + " / " + i18n.t("ingest.cli_summary", "en", path=name, read=summary.rows_read,
                                      loaded=summary.rows_loaded, rejected=summary.rows_rejected,
                                      duplicate=summary.rows_duplicate))
        notice = assumed_notice(assumed(summary.kind or "", summary.columns, mapping.defaults if mapping else None),
                                "zh_CN")
        if notice:
            lines.append(i18n.t("ingest.cli_assumed", "zh_CN", notice=notice))
        if summary.users_new:
            lines.append(i18n.t("ingest.cli_users", "zh_CN", names="、".join(summary.users_new)))
        if summary.rejects_path:
            lines.append(i18n.t("ingest.cli_rejects", "zh_CN", path=summary.rejects_path))
    store.checkpoint()
    emit(args, {"files": results}, "\n".join(lines) if lines else None)
    return 1 if failed else 0
