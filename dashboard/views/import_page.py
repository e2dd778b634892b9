"""Import (`/import`, managers and admins): upload → preview with the detected mapping →
check report (a dry run: counts, first rejected rows, rejects file) → confirm → summary."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import streamlit as st
import yaml

from dashboard import fmt
from dashboard.data import actor, cached, run_write, store
from dashboard.guard import guard, safely
from dashboard.i18n import label, lang, t
from dashboard.import_mapping import adjust
from dashboard.widgets import page_link
from pipelines import config, home, i18n
from pipelines.config import local_tz
from pipelines.ingest import (
    KINDS,
    Mapping,
    MappingError,
    ReadError,
    load_file,
    prepare,
    previous_import,
    template,
)
from pipelines.ingest.kinds import DUPLICATE_FIELDS, assumed
from pipelines.ingest.mapping import absent_required
from pipelines.ingest.mapping import examples as mapping_examples
from pipelines.ingest.messages import (
    assumed_notice,
    by_reason,
    column_to_add,
    default_text,
    explain,
    imported_before,
    rejects_title,
)
from pipelines.ingest.readers import ROW, sheet_names
from pipelines.rules import risks

PREVIEW_ROWS = 20
TYPES = ["csv", "txt", "xlsx", "xlsm", "parquet", "json", "ndjson", "jsonl"]


def _saved(upload) -> Path:
    """The uploaded bytes in data/uploads/, named by their hash (the same file is saved once)."""
    data = upload.getvalue()
    folder = config.data_dir() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}{Path(upload.name).suffix.lower()}"
    if not path.exists():
        path.write_bytes(data)
    path.touch()  # in use: load.prune_previews removes the ones untouched for a day
    return path


def _mapping(upload) -> tuple[Mapping | None, bool]:
    """(the mapping, whether it can be used); a broken one is explained where it was uploaded."""
    if upload is None:
        return None, True
    try:
        try:
            data = yaml.safe_load(upload.getvalue().decode("utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise MappingError.unreadable(upload.name, exc) from exc
        return Mapping.from_dict(data, upload.name), True
    except MappingError as exc:
        st.error(t("ingest.mapping_error", error=fmt.literal(exc.text(lang()))), icon=":material/error:")
        return None, False


def _progress():
    """A progress bar for one run, gone when the run is done (its result is drawn instead)."""
    slot = st.empty()
    bar = slot.progress(0.0, text=t("ingest.progress_read"))
    steps = {"read": 0.1, "check": 0.35, "load": 0.6}

    def step(name: str) -> None:
        if name == "done":
            slot.empty()
        else:
            bar.progress(steps[name], text=t(f"ingest.progress_{name}"))

    return step


HELP = {"stage_changes_rule_broken": "ingest.rule_broken_help", "rows_duplicate": "ingest.duplicate_help",
        "stage_changes": "ingest.stage_changes_help"}


def _metrics(summary, done: bool) -> None:
    keys = ["rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "customers_created", "users_created",
            "stage_changes", "stage_changes_rule_broken"]
    for col, key in zip(st.columns(4) + st.columns(4), keys):
        label = t("ingest.rows_loaded_done") if (done and key == "rows_loaded") else t(f"ingest.{key}")
        col.metric(label, f"{getattr(summary, key):,}", help=HELP.get(key) and t(HELP[key]))


def _rejects(summary) -> None:
    if summary.rejects is None or summary.rejects.height == 0:
        return
    language = lang()  # read here: polars runs map_elements in threads with no Streamlit session
    reason = "reason_zh" if language == "zh_CN" else "reason_en"
    field_label = pl.col("field").map_elements(lambda f: i18n.t(f"field.{f}", language), return_dtype=pl.String)
    st.subheader(rejects_title(summary.rejects, summary.rows_rejected, language))
    if summary.rejects.height > PREVIEW_ROWS:  # more than the list shows: what they were refused for
        st.dataframe(fmt.blanks(explain(by_reason(summary.rejects), summary.kind).sort(
            "rows", ROW, descending=[True, False]).select(
            field_label.alias(t("ingest.col_field")), pl.col(reason).alias(t("ingest.col_example")),
            pl.col("rows").alias(t("ingest.col_rows")))), hide_index=True, width="stretch",
            column_config={t("ingest.col_example"): st.column_config.TextColumn(width="large")})
    shown = explain(summary.rejects.head(PREVIEW_ROWS), summary.kind).select(
        pl.col(ROW).alias(t("ingest.col_row")), field_label.alias(t("ingest.col_field")),
        pl.col("column").alias(t("ingest.col_column")), pl.col("value").alias(t("ingest.col_value")),
        pl.col(reason).alias(t("ingest.col_reason")))
    if summary.rejects.height > shown.height:
        st.caption(t("ingest.rejects_first", rows=shown.height))
    st.dataframe(fmt.blanks(shown), hide_index=True, width="stretch",  # the reason gets the room it needs
                 column_config={t("ingest.col_reason"): st.column_config.TextColumn(width="large")})
    if summary.rejects_path and Path(summary.rejects_path).exists():
        st.download_button(t("ingest.rejects_download"), Path(summary.rejects_path).read_bytes(),
                           # 被拒绝的行-000006-sales_pipeline.csv: the run's number and the file's name
                           file_name=f"{t('ingest.rejects_file')}-{Path(summary.rejects_path).name.removeprefix('preview-')}",
                           mime="text/csv", icon=":material/download:")


def _duplicates(summary, table, columns: dict[str, str]) -> None:
    """The rows skipped as duplicates, folded away: their own cells of the fields that make them
    duplicates, and what they repeat (a stored record, or an earlier row of the file)."""
    if summary.duplicates is None or summary.duplicates.height == 0:
        return
    shown = summary.duplicates.head(PREVIEW_ROWS)
    row, reason = t("ingest.col_row"), t("ingest.col_reason")
    cells = [columns[f] for f in DUPLICATE_FIELDS[summary.kind] if f in columns and columns[f] not in (row, reason)]
    why = [t("ingest.duplicate_stored") if same is None else t("ingest.duplicate_same_as", row=same)
           for same in shown.get_column("same_as").to_list()]
    frame = shown.select(ROW).join(table.frame.select(ROW, *cells), on=ROW, how="left", maintain_order="left") \
        .with_columns(pl.Series(reason, why, dtype=pl.String)).rename({ROW: row})
    with st.expander(t("ingest.duplicates_title", count=f"{summary.duplicates.height:,}"),
                     icon=":material/content_copy:"):
        if summary.kind == "follow_ups":  # the rule, which a list of "same as row 2" alone does not say
            st.caption(t("ingest.duplicate_help"))
        if summary.duplicates.height > shown.height:
            st.caption(t("ingest.duplicates_first", rows=shown.height))
        st.dataframe(fmt.blanks(frame), hide_index=True, width="stretch")


def _broken(summary, table, columns: dict[str, str]) -> None:
    """The stage changes that break a stage rule, folded away: which rows, which customer, from
    which stage to which (the check counted them with no way to find them but each customer's
    history). They load as they happened (SPEC), marked."""
    if summary.broken is None or summary.broken.height == 0:
        return
    shown = summary.broken.head(PREVIEW_ROWS)
    name = columns.get("customer_name") or columns.get("customer_uscc")
    frame = shown.join(table.frame.select(ROW, name), on=ROW, how="left", maintain_order="left") if name else shown
    frame = frame.select(
        pl.col(ROW).alias(t("ingest.col_row")), *([pl.col(name)] if name else []),
        pl.col("from_stage").map_elements(lambda s: label("stage", s), return_dtype=pl.String).alias(t("ingest.broken_from")),
        pl.col("to_stage").map_elements(lambda s: label("stage", s), return_dtype=pl.String).alias(t("ingest.broken_to")),
        pl.col("changed_at").map_elements(fmt.moment, return_dtype=pl.String).alias(t("field.changed_at")))
    with st.expander(t("ingest.broken_title", count=f"{summary.broken.height:,}"), icon=":material/rule:"):
        st.caption(t("ingest.rule_broken_help"))
        if summary.broken.height > shown.height:
            st.caption(t("ingest.duplicates_first", rows=shown.height))
        st.dataframe(fmt.blanks(frame), hide_index=True, width="stretch")


def _read(path, kind: str, mapping, sheet):
    """prepare() for the page, or None once the reason is said: a file none of whose headers is
    known is read too, and the user says which column is which."""
    try:
        return prepare(path, kind, mapping, sheet, known=False)
    except ReadError as exc:
        st.error(t("ingest.file_error", error=fmt.literal(exc.en if lang() == "en" else exc.zh)))
        return None


def render() -> None:
    guard("import")
    st.title(t("nav.import"))
    st.caption(t("ingest.intro"))
    st.download_button(t("ingest.template_download"), template.build(lang=lang()), file_name=t("ingest.template_file"),
                       help=t("ingest.template_help"), icon=":material/table_view:")
    left, right = st.columns(2)
    kind = left.selectbox(t("ingest.kind_label"), ["auto", *KINDS], format_func=lambda k: t(f"ingest.kind.{k}"), placeholder=t("common.choose"))
    with right:
        mapping, usable = _mapping(st.file_uploader(t("ingest.mapping_label"), type=["yaml", "yml"],
                                                    key="import_mapping"))
    upload = st.file_uploader(t("ingest.upload_label"), type=TYPES, key="import_file")
    if upload is None or not usable:
        return
    path = _saved(upload)
    sheets = sheet_names(path)
    sheet = st.selectbox(t("ingest.sheet_label"), sheets, placeholder=t("common.choose")) if len(sheets) > 1 else None
    if (read := _read(path, kind, mapping, sheet)) is None:
        return
    table, found_kind, columns = read
    if table.frame.height == 0:
        st.info(t("ingest.header_only"), icon=":material/info:")
        return
    st.subheader(t("ingest.preview_title", rows=min(PREVIEW_ROWS, table.frame.height)))
    st.caption(t("ingest.detected", kind=t(f"ingest.kind.{found_kind}"), rows=f"{table.frame.height:,}")
               + (" · " + t("ingest.encoding", encoding=table.encoding) if table.encoding else "")
               # guessed from the headers (an opportunity export's Amount read as contracts); not when
               # a mapping file names it
               + (" " + t("ingest.kind_guessed") if kind == "auto" and not (mapping and mapping.kind) else ""))
    preview = table.frame.head(PREVIEW_ROWS).select(ROW, pl.exclude(ROW))  # row numbers as the rejects name them
    if t("ingest.col_row") not in preview.columns:
        preview = preview.rename({ROW: t("ingest.col_row")})
    st.dataframe(fmt.blanks(preview), hide_index=True, width="stretch")
    st.markdown(f"**{t('ingest.mapping_title')}**")
    # keyed by the mapping file too: the boxes drawn before it came kept their picks (文件中没有)
    # over the columns it names, and every row was refused
    given = hashlib.sha256(repr(mapping).encode("utf-8")).hexdigest()[:10]
    changed = adjust(found_kind, table.headers, columns, mapping, f"imp_map_{upload.file_id}_{found_kind}_{given}",
                     opened=bool(absent_required(found_kind, columns, mapping)), file_name=upload.name,
                     frame=table.frame)
    if changed is not None:  # the user's choices over what was found (and the mapping file's)
        mapping = changed
        if (read := _read(path, found_kind, mapping, sheet)) is None:
            return
        table, found_kind, columns = read
    defaults = {f: v for f, v in (mapping.defaults if mapping else {}).items() if f not in columns}
    filled = assumed(found_kind, columns, mapping.defaults if mapping else None)
    defaults |= filled
    st.dataframe(pl.DataFrame({
        t("ingest.col_field"): [i18n.t(f"field.{f}", lang()) for f in [*columns, *defaults]],
        t("ingest.col_column"): [*columns.values(),
                                 *(t("ingest.default_value", value=default_text(f, v, lang())) for f, v in defaults.items())]}),
        hide_index=True)
    unused = [h for h in table.headers if h not in columns.values()]
    if unused:
        st.caption(t("ingest.unmapped", columns=_names(unused, shown=len(unused))))
    if not columns and not (mapping and mapping.defaults):
        # nothing of the file is known: every row would be refused for every required field (a
        # leads file: 9,240 rows, an 8 MB rejects file), so it is said once and nothing is checked
        st.warning(t("ingest.nothing_matched", kind=t(f"ingest.kind.{found_kind}"), columns=_names(table.headers, 12)),
                   icon=":material/rule:")
        _examples()
        return
    notice = assumed_notice(filled, lang(), page=True)
    if notice:  # said before the check: these values feed the figures
        st.info(fmt.literal(notice), icon=":material/tune:")  # it names values from the file or mapping
    absent = absent_required(found_kind, columns, mapping)
    if absent:  # said once for the file; the rejects then repeat it for every row
        st.warning(t("ingest.absent_required", fields=_names([column_to_add(found_kind, f, lang()) for f in absent])),
                   icon=":material/rule:")
        _examples()
    source = (path.name, found_kind, sheet, repr(mapping))
    finished = st.session_state.get("import_done")
    # this upload was just imported: its summary (the same file uploaded again is checked afresh)
    if finished is not None and finished[0] == (*source, upload.file_id):
        _done(finished[1], table, columns)
        return
    key = (*source, store().data_version)
    if st.session_state.get("import_check_key") != key:
        st.session_state["import_check"] = run_write(lambda: load_file(
            store(), actor(), path, found_kind, mapping, sheet, file_name=upload.name, dry_run=True,
            progress=_progress(), known=False))  # no known header: its rows are refused for what they lack
        st.session_state["import_check_key"] = key
    check = st.session_state.get("import_check")
    if check is None:
        return
    if check.error:
        # in the page's language (the summary's `error` holds both, for the command's JSON)
        st.error(t("ingest.file_error", error=fmt.literal(check.error_by_lang.get(lang(), check.error))))
        return
    st.subheader(t("ingest.report_title"))
    st.caption(t("ingest.report_caption"))
    if (before := cached(previous_import, str(path))) is not None:  # said before the duplicate count explains it
        text, warn = imported_before(before, check.rows_loaded, lang(), fmt.moment(before["finished_at"]),
                                     fmt.literal(before["user_name"] or "—"))
        (st.warning if warn else st.info)(text, icon=":material/history:")
    _metrics(check, done=False)
    _old_history(check)
    if check.users_created:
        st.warning(t("ingest.users_check", count=check.users_created, names=_names(check.users_new))
                   + _no_team(), icon=":material/person_add:")
    _rejects(check)
    _duplicates(check, table, columns)
    _broken(check, table, columns)
    if check.rows_loaded == 0:
        st.info(t("ingest.nothing_to_load"))
        return
    if st.button(t("ingest.confirm"), type="primary", icon=":material/upload:"):
        done = run_write(lambda: load_file(store(), actor(), path, found_kind, mapping, sheet,
                                           file_name=upload.name, progress=_progress(), known=False))
        if done is not None:
            # the page is drawn again with the summary in place of the check's estimate
            st.session_state["import_done"] = ((*source, upload.file_id), done)
            st.rerun()


def _examples() -> None:
    """The project's ready mappings for other CRMs' exports, to download and upload above (the
    text sent an admin to a folder on the server)."""
    found = mapping_examples()
    if not found:
        return
    with st.expander(t("ingest.examples_title"), icon=":material/description:"):
        st.caption(t("ingest.examples_caption"))
        for i, path in enumerate(found):
            st.download_button(fmt.literal(path.name), path.read_bytes(), file_name=path.name, mime="application/x-yaml",
                               key=f"imp_example_{i}", icon=":material/download:", on_click="ignore")


def _done(done, table, columns: dict[str, str]) -> None:
    st.success(t("ingest.done", loaded=f"{done.rows_loaded:,}", rejected=f"{done.rows_rejected:,}",
                 duplicate=f"{done.rows_duplicate:,}"), icon=":material/check_circle:")
    _metrics(done, done=True)
    if done.users_created:
        st.warning(t("ingest.users_note", count=done.users_created, names=_names(done.users_new)) + _no_team())
    _rejects(done)
    _duplicates(done, table, columns)
    _broken(done, table, columns)
    # nothing loaded (every row a duplicate: imported before, or by someone else a moment ago)
    st.caption(t("ingest.done_next") if done.rows_loaded else t("ingest.done_nothing"))
    if done.oldest and done.newest:  # the file's own dates: /records opens on the last 30 days
        days = [moment.astimezone(local_tz()).date().isoformat() for moment in (done.oldest, done.newest)]
        page_link("records", label=t("ingest.see_loaded", start=days[0], end=days[1]), icon=":material/table_rows:",
                  query={"from": days[0], "to": days[1]})


def _old_history(check) -> None:
    """A file of old follow-ups: its customers will show as silent on the risk board and home
    (the rules read the latest follow-up), which the user should know before confirming."""
    if check.newest is None:
        return
    days = (home.today() - check.newest.astimezone(local_tz()).date()).days
    threshold = int(risks.rules(store())["silent_30d"]["days"])
    if days > threshold:
        st.info(t("ingest.old_history", date=fmt.day(check.newest), days=f"{days:,}", threshold=threshold),
                icon=":material/history:")


def _no_team() -> str:
    """A manager's import puts new reps in the manager's team; anyone else's leaves them in none,
    where no manager sees their customers until an admin gives them a team."""
    if actor().role == "manager":
        return ""
    return (" " if lang() == "en" else "") + t("ingest.users_no_team")


def _names(names: list[str], shown: int = 20) -> str:
    """Names as a list in the UI language (、 or ,): the first `shown`, then how many more."""
    sep = i18n.list_sep(lang())
    text = sep.join(fmt.literal(name) for name in names[:shown])  # a file's words, shown as written
    return text + (t("ingest.names_more", count=len(names) - shown) if len(names) > shown else "")


safely(render)
