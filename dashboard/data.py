"""The dashboard's door to the data: the process's store, the acting user, cached queries.

Cached results are keyed on the arguments, the opened store and its data version, which every write
advances, so a saved record shows in every figure at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from pipelines import backup, logs
from pipelines.access import Actor, NotPermitted
from pipelines.store import Store, StoreError, open_store, unreachable

log = logging.getLogger("dashboard")


@st.cache_resource(show_spinner=False)
def _store() -> Store:
    logs.setup()
    opened = open_store()
    backup.start_schedule(opened.location)  # FOLLOWUP_BACKUP_DIR: the server backs up the file it holds
    if opened.backend == "postgres":
        # Copy every table into the replica's local analytics copy now, so that the first pages
        # after a start do not each wait for the tables they read (~30 s at 1M follow-ups).
        threading.Thread(target=_warm, args=(opened,), name="followup-warm", daemon=True).start()
    return opened


def _warm(opened: Store) -> None:
    try:
        opened.warm()
    except Exception:  # reads copy their tables themselves; the log says why
        log.exception("warming the local analytics copy failed")


def store() -> Store:
    return _store()


def actor() -> Actor:
    """The logged-in user (the router guarantees one on every page)."""
    return st.session_state["actor"]


@st.cache_data(show_spinner=False, max_entries=2000, ttl=3600)
def _cached(fn_name: str, module: str, actor_key: Actor, args: tuple, kwargs: tuple, version: tuple[str, int]) -> Any:
    import importlib

    fn = getattr(importlib.import_module(module), fn_name)
    return fn(store(), actor_key, *args, **dict(kwargs))


# The benchmark sets this to a list to learn which queries each page runs (benchmarks/pages.py).
recorder: list | None = None


def cached(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """fn(store, actor, *args, **kwargs), cached per user, opened store and data version."""
    call = (fn.__name__, fn.__module__, actor(), args, tuple(sorted(kwargs.items())))
    if recorder is not None:
        recorder.append(call)
    return _cached(*call, (store().opening, store().data_version))


def failure_text(exc: BaseException, context: str) -> str:
    """What the user reads of an error the page did not expect, logged with its traceback under a
    short id: a database that cannot be reached (PostgreSQL stopped or restarting) says so, and
    that what they just did was not done; anything else is "unexpected"."""
    from dashboard.i18n import t

    error_id = logs.log_unexpected(log, exc, context)
    return t("app.error_unreachable" if unreachable(exc) else "app.error_unexpected", error_id=error_id)


def run_write(work: Callable[[], Any], success: str | None = None) -> Any:
    """Run a write; a refusal or store fault becomes a message, anything else an error id."""
    from dashboard.fmt import literal  # their words can hold names people typed
    from dashboard.i18n import lang

    try:
        result = work()
    except NotPermitted as exc:
        st.error(literal(exc.text(lang())))
        return None
    except StoreError as exc:
        st.error(failure_text(exc, "write") if unreachable(exc) else literal(exc.text(lang())))
        return None
    except Exception as exc:  # noqa: BLE001 - the user sees an id, the log the traceback
        st.error(failure_text(exc, "write"))
        return None
    if success:
        st.toast(success)
    return result
