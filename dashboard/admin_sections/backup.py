"""Admin section: make a backup now, or restore one, inside the app (which holds the database file;
on PostgreSQL the restore is one transaction that every replica follows)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import streamlit as st

from dashboard import data, fmt
from dashboard.data import actor, run_write, store
from dashboard.i18n import t
from dashboard.widgets import confirmed
from pipelines import backup, config
from pipelines.config import local_tz

TITLE_KEY = "security.backup_title"
DONE = "adm_restore_done"  # the last restore's message, shown after the rerun that empties the form
ROUND = "adm_restore_round"  # restores made in this session: the confirmation box's key


def _folder() -> Path:
    """Where the page backs up and looks for backups: the scheduled backups' folder when one is
    set (FOLLOWUP_BACKUP_DIR, shared by every replica on PostgreSQL), else the data folder's. The
    page showed the data folder's, so behind a load balancer the list came and went."""
    return config.backup_dir() or config.data_dir() / "backups"


def _backups(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted((d for d in folder.iterdir() if (d / backup.MANIFEST).is_file()), reverse=True)


def _label(folder: Path) -> str:
    """A backup as a person picks it: when it was made and how many rows it holds."""
    try:
        manifest = json.loads((folder / backup.MANIFEST).read_text(encoding="utf-8"))
        at = datetime.fromisoformat(manifest["created_at"]).astimezone(local_tz()).strftime("%Y-%m-%d %H:%M:%S")
        rows = backup.data_rows({name: int(info["rows"]) for name, info in manifest["tables"].items()})
    except (OSError, ValueError, KeyError, TypeError):
        return folder.name
    return t("security.restore_backup_label", at=at, rows=f"{rows:,}")


def render() -> None:
    st.caption(t("security.backup_intro"))
    folder = Path(st.text_input(t("security.backup_folder"), str(_folder()), key="adm_backup_dir"))
    if store().backend == "postgres" and config.backup_dir() is None:
        st.caption(t("security.backup_one_replica"))  # another replica's page lists its own disk
    if st.button(t("security.backup_now"), type="primary", icon=":material/backup:", key="adm_backup_now"):
        with st.spinner(t("security.backup_running")):
            result = run_write(lambda: backup.backup(store(), actor(), folder))
        if result:
            st.success(t("security.backup_done", path=fmt.literal(result.path), tables=len(result.tables),
                         rows=f"{backup.data_rows(result.tables):,}"))
            # the picker below shows the backup just made (it kept an older one, which a restore
            # right after would have used)
            st.session_state["adm_restore_pick"] = Path(result.path)
    found = _backups(folder)
    st.subheader(t("security.restore_title"))
    if done := st.session_state.pop(DONE, None):
        st.success(done)
    if not found:
        st.info(t("security.restore_none", folder=fmt.literal(folder)))
        return
    choice = st.selectbox(t("security.restore_pick"), found, format_func=_label, key="adm_restore_pick", placeholder=t("common.choose"))
    shared = store().backend == "postgres"  # one transaction in the shared database, no file swap
    st.warning(t("security.restore_warning_pg") if shared
               else t("security.restore_warning", kept=fmt.literal(f"{store().location}.before-restore")), icon=":material/warning:")
    # a new box after each restore: emptying the old one's state left the word in the browser
    confirm = st.text_input(t("security.restore_confirm", word=t("security.restore_word")),
                            key=f"adm_restore_confirm_{st.session_state.get(ROUND, 0)}")
    if st.button(t("security.restore_now"), icon=":material/restore:", key="adm_restore_now",
                 disabled=not confirmed(confirm, "security.restore_word")):
        with st.spinner(t("security.restore_running")):
            result = run_write(lambda: backup.restore(store(), actor(), choice))
        if not shared:
            data._store.clear()  # the old connection is closed: the next store() opens the restored file
        st.cache_data.clear()  # the new store's data version starts again: old cached figures must go
        if result:
            # the typed word goes with the run: a second click must not restore again
            st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
            st.session_state[DONE] = t("security.restore_done", path=fmt.literal(result.path),
                                       rows=f"{backup.data_rows(result.tables):,}", kept=f"{result.audit_entries_kept:,}",
                                       erased=result.erasures_reapplied)
            st.rerun()
