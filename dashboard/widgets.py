"""Small pieces the pages share: a field's error beside it, links to pages that exist, empty states."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import streamlit as st

from dashboard import fmt
from dashboard.i18n import label, lang, t
from dashboard.levels import LEVEL_COLORS
from dashboard.nav import PAGES_DIR, spec
from pipelines import i18n
from pipelines.codes import RISK_LEVELS


def notice(key: str) -> None:
    """The message a save's callback left under `key` as (kind, text), kind success, info, warning
    or error: shown once, above the form it was saved from."""
    found = st.session_state.pop(key, None)
    if found:
        {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}[found[0]](found[1])


def focus(selector: str | None, *, force: bool = False, nonce: object = None) -> None:
    """Put the keyboard in the element `selector` (CSS) once it is drawn: Streamlit leaves focus on
    the page after a rerun, and a rep logging a call then needs five keys to get back to the search.
    Only when nothing else has focus, unless `force` (after a save, focus is on the button just
    pressed). A new `nonce` runs it again (the same HTML is not run twice). `selector` None draws
    the same element with no script, so the elements after it keep their places."""
    if selector is None:
        st.html("<span hidden></span>")
        return
    st.html(f"""<script>/* {nonce} */
(() => {{
  const sel = {json.dumps(selector, ensure_ascii=False)}, force = {json.dumps(force)};
  // watched for three seconds: the page is drawn in steps, and a field focused early can be
  // replaced by its redrawn self, leaving the focus on the page again. Until the user goes
  // elsewhere: a rep who typed a search and pressed Tab within the three seconds had the
  // keyboard taken back to the search while the form was drawn (the summary went into it)
  let tries = 0, done = false, left = false;
  const away = (e) => {{ if (done && !e.target.matches(sel)) left = true; }};
  document.addEventListener("focusin", away, true);
  const go = () => {{
    if (left || ++tries > 30) {{ document.removeEventListener("focusin", away, true); return; }}
    const el = document.querySelector(sel);
    const idle = !document.activeElement || document.activeElement === document.body;
    if (el && document.activeElement !== el && ((force && !done) || idle)) {{ el.focus(); done = true; }}
    setTimeout(go, 100);
  }};
  go();
}})();
</script>""", unsafe_allow_javascript=True)


def sidebar_closes_on_navigation() -> None:
    """On a phone the sidebar lies over the page: a page picked from it opened behind it, and the
    rep had to close it by hand every time (Streamlit closes it for its own menu, not for page
    links, which the role-filtered menu is made of)."""
    st.html("""<script>
(() => {
  if (window.__followupNavCloses) return;
  window.__followupNavCloses = true;
  document.addEventListener("click", (e) => {
    if (!e.target.closest("[data-testid=stSidebar] [data-testid=stPageLink] a")) return;
    if (!window.matchMedia("(max-width: 767.98px)").matches) return;  // beside the page, not over it
    setTimeout(() => document.querySelector("[data-testid=stSidebarCollapseButton] button")?.click(), 0);
  }, true);
})();
</script>""", unsafe_allow_javascript=True)


def asks_before_leaving(box: str, message: str) -> None:
    """A question before a page link or a reload leaves the page while the text box `box` (CSS
    selector) holds text: a form sends what is typed only with its save, so a rep who opened another
    page mid-call lost the half-typed follow-up without a word. Nothing is asked once it is saved
    (the box is emptied) or on other pages (no such box)."""
    st.html(f"""<script>
(() => {{
  window.__followupLeave = {{box: {json.dumps(box)}, message: {json.dumps(message, ensure_ascii=False)}}};
  if (window.__followupLeaveOn) return;
  window.__followupLeaveOn = true;
  const typed = () => {{
    const field = document.querySelector(window.__followupLeave.box);
    return field !== null && field.value.trim() !== "";
  }};
  document.addEventListener("click", (e) => {{
    const link = e.target.closest("a[href]");
    if (!link || link.target === "_blank" || !typed()) return;
    if (!window.confirm(window.__followupLeave.message)) {{ e.preventDefault(); e.stopImmediatePropagation(); }}
  }}, true);
  window.addEventListener("beforeunload", (e) => {{ if (typed()) {{ e.preventDefault(); e.returnValue = ""; }} }});
}})();
</script>""", unsafe_allow_javascript=True)


def ctrl_enter_saves(button: str) -> None:
    """Ctrl+Enter (⌘+Enter) anywhere in a form presses its button (CSS selector `button`), for a
    form with Enter-to-submit off: Streamlit then drops its own Ctrl+Enter. The field being typed
    in is left first, so that its text is taken."""
    st.html(f"""<script>
(() => {{
  const buttons = window.__followupSaveButtons = window.__followupSaveButtons || new Set();
  buttons.add({json.dumps(button, ensure_ascii=False)});
  if (window.__followupCtrlEnter) return;
  window.__followupCtrlEnter = true;
  document.addEventListener("keydown", (e) => {{
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
    for (const sel of buttons) {{
      const button = document.querySelector(sel);
      if (!button || !button.closest("[data-testid=stForm]")?.contains(e.target)) continue;
      e.preventDefault();
      e.target.blur();
      setTimeout(() => button.click(), 120);
      return;
    }}
  }}, true);
}})();
</script>""", unsafe_allow_javascript=True)


def confirmed(typed: str, word_key: str) -> bool:
    """A typed confirmation word: the catalog's word in either language, in any case (恢复 in the
    Chinese UI; RESTORE, which the English one and older notes give, still does)."""
    words = {i18n.t(word_key, language).casefold() for language in i18n.LANGUAGES}
    return typed.strip().casefold() in words


def field_error(errors: dict[str, str], *fields: str) -> None:
    """The validation message of a field, right under its widget (nothing when it is fine)."""
    for name in fields:
        if name in errors:
            # a message can quote what was typed (已有同名客户「…」): a "]" in it ended the red
            st.markdown(f":red[:material/error: {fmt.literal(errors[name])}]")


def not_saved(fields: list[str]) -> None:
    """Under a form's save button, where the eye is: that nothing was saved and which fields (by
    their labels) to correct. Their own messages are beside them, off a phone's screen."""
    st.error(t("common.not_saved_fields", fields=i18n.list_sep(lang()).join(fields)), icon=":material/error:")


def page_link(path: str, label: str | None = None, icon: str | None = None, query: dict | None = None) -> None:
    """A link to a page of the router, drawn only once that page is built."""
    p = spec(path)
    if (PAGES_DIR / p.file).exists():
        st.page_link(f"views/{p.file}", label=label or t(p.title_key), icon=icon or p.icon,
                     query_params=query)


def level_column(title: str):
    """A table's risk level (fmt.level_tags) as a tag in the level's colour with its name: UX.md
    wants red / amber / green everywhere, and never colour alone."""
    return st.column_config.MultiselectColumn(title, options=[label("level", c) for c in RISK_LEVELS],
                                              color=[LEVEL_COLORS[c] for c in RISK_LEVELS])


def date_in(cell, label: str, key: str, **options):
    """A date input whose value the page put in session state (local date), given that value as
    its default too.

    Streamlit's own defaults ("today", and "now" for a time) are the server's clock, UTC on a
    server. A widget the browser mounts in a run where its state was not just assigned shows that
    default, and a form sends it back on submit: 19:46 instead of 03:46 in Shanghai, then
    "跟进时间不能晚于现在". The value is not part of a keyed widget's identity, so this changes
    nothing else.

    Any date from EARLIEST to LATEST is taken, for the form's own checks to judge in the user's
    language (see EARLIEST)."""
    options = {"min_value": EARLIEST, "max_value": LATEST, **options}
    return cell.date_input(label, value=st.session_state.get(key), key=key, format="YYYY-MM-DD", **options)


def keep_choice(key: str, options, fallback=None) -> None:
    """Give a keyed selectbox its current choice again, by value, before it is drawn.

    The browser keeps a selectbox's choice as the option's text. When the text changes (the
    language was switched, a record's summary was edited) the text the browser holds matches no
    option: Streamlit drops the choice, or the box goes on showing the old words. A value set
    from Python is sent to the browser with its text in the current language."""
    chosen = st.session_state.get(key)
    st.session_state[key] = chosen if chosen in options else fallback


# The range of days a date box takes. Streamlit's own is ten years either side of the value, and
# a date typed outside the range is dropped for the one shown before, with an English note only:
# a follow-up typed as 2099 (or 2015) was saved as today's, a next follow-up date as the default.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def keep_choices(key: str, options, named: dict | None = None) -> None:
    """keep_choice() for a multiselect: its choices given again, by value, before it is drawn.
    A choice the browser sent back as its old text (the language was switched: "Proposal" for
    proposal) is taken back to its option through `named` (text → option), else dropped; it
    became a filter on that text, which matched nothing."""
    named = named or {}
    chosen = st.session_state.get(key) or []
    kept = [c if c in options else named.get(c) for c in chosen]
    st.session_state[key] = list(dict.fromkeys(c for c in kept if c is not None))


def when_inputs(date_cell, time_cell, label: str, date_key: str, time_key: str, help: str | None = None,
                **options) -> None:
    """A date and a time input (date_in's rule for both) for a moment the page put in state;
    `options` go to both (persist_state)."""
    date_in(date_cell, label, date_key, help=help, **options)
    time_cell.time_input(t("log.time"), value=st.session_state.get(time_key), key=time_key, step=60, **options)


def empty(text: str) -> None:
    """An empty state that says what to do next."""
    st.info(text, icon=":material/lightbulb:")


def started() -> bool:
    """Whether the user sees any customer yet (not on a new team's first day, or a new rep's)."""
    from dashboard.data import cached
    from pipelines import home

    return cached(home.started)


def start_text() -> str:
    """Where to start, by what the user's role may do (log, import, or wait for the team)."""
    from dashboard.data import actor

    return t("analytics.empty_start_" + {"rep": "rep", "leader": "leader"}.get(actor().role, "importer"))


def nothing_yet(otherwise: str) -> str:
    """An empty state's words: where to start while the user sees no customer at all ("widen the
    filters" sent a first day looking for data there was not), else `otherwise`."""
    return otherwise if started() else start_text()


def extra_filters(key: str, a, b):
    """Tag and risk-level filters beyond the shared bar, in cells `a` and `b` of its panel, kept
    in the URL as `tags` and `risk`."""
    from dashboard.data import cached
    from dashboard.i18n import label
    from pipelines import customer_views
    from pipelines.codes import RISK_LEVELS
    from pipelines.explorer import Extra

    current = Extra.from_query(st.query_params.to_dict())
    choices = cached(customer_views.tags)
    if f"{key}_x_tags" not in st.session_state:
        st.session_state[f"{key}_x_tags"] = [x for x in current.tags if x in choices]
    if f"{key}_x_risk" not in st.session_state:
        st.session_state[f"{key}_x_risk"] = list(current.risk)
    # no tag anywhere yet: a disabled box that says so (an open empty list says "No results" in English)
    picked_tags = a.multiselect(t("common.tags"), choices, key=f"{key}_x_tags", disabled=not choices,
                                placeholder=t("records.tags_all" if choices else "records.tags_none"),
                                select_all=False)
    picked_risk = b.multiselect(t("common.risk"), RISK_LEVELS, key=f"{key}_x_risk",
                                format_func=lambda c: label("level", c), placeholder=t("common.all"),
                                select_all=False)
    chosen = Extra(tags=tuple(picked_tags), risk=tuple(picked_risk))
    for name, value in (("tags", chosen.tags), ("risk", chosen.risk)):
        text = ",".join(value)
        if text and st.query_params.get(name) != text:
            st.query_params[name] = text
        elif not text and name in st.query_params:
            del st.query_params[name]
    return chosen


def pager(key: str, total: int, sorts: tuple[str, ...], default_size: int = 50) -> tuple[str, bool, int, int]:
    """Sort column, descending, page number and page size, with the total shown."""
    from dashboard.i18n import t as tr

    a, b, c, d = st.container(key=f"compact_{key}_pager").columns([2, 1, 1, 1])  # two to a row on a phone
    keep_choice(f"{key}_pg_sort", sorts, sorts[0])  # named anew after a language switch (it kept the old words)
    sort = a.selectbox(tr("common.sort_by"), sorts, key=f"{key}_pg_sort", format_func=lambda s: tr(f"field.{s}")
                       if tr(f"field.{s}") != f"field.{s}" else tr(f"sort.{s}"), placeholder=t("common.choose"))
    desc = b.toggle(tr("common.descending"), value=True, key=f"{key}_pg_desc")
    size = c.selectbox(tr("common.page_size"), (25, 50, 100, 200), index=1 if default_size == 50 else 0,
                       key=f"{key}_pg_size", placeholder=t("common.choose"))
    pages = max(1, -(-total // size))
    if st.session_state.get(f"{key}_pg_page", 1) > pages:  # the filter shrank the result
        st.session_state[f"{key}_pg_page"] = pages
    number = d.number_input(tr("common.page"), min_value=1, max_value=pages, value=1, step=1, key=f"{key}_pg_page")
    st.caption(tr("common.total", count=f"{total:,}") + " · " + tr("common.page_of", page=number, pages=pages))
    return sort, desc, int(number), int(size)


def filtered_page(key: str, fields: tuple[str, ...], count_fn, page_fn, sorts: tuple[str, ...], empty_text: str,
                  **bar_options):
    """Filter bar, extra filters, pager and one page of rows: (filters, extra, total, rows), or None
    (with the empty state shown) when nothing matches."""
    from dashboard.data import cached
    from dashboard.filter_bar import filter_bar

    drawn = []  # the tag and risk filters, drawn inside the bar's panel
    filters = filter_bar(key, fields=fields, more=lambda a, b: drawn.append(extra_filters(key, a, b)), **bar_options)
    extra = drawn[0]
    total = cached(count_fn, filters, extra)
    if total == 0:
        empty(empty_text)
        return None
    sort, desc, number, size = pager(key, total, sorts)
    return filters, extra, total, cached(page_fn, filters, extra, sort, desc, number, size)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_buttons(key: str, name: str, make: Callable[[str], bytes], help_text: str) -> None:
    """导出 CSV and 导出 Excel side by side (on a phone too) above a table (UX.md: export buttons
    beside the tables). `make(fmt)` builds the file ("csv" or "xlsx") only when it is clicked:
    the export is audited, and a page drawn is not an export."""
    a, b, _ = st.container(key=f"compact_{key}_exports").columns([1, 1, 4])
    a.download_button(t("records.export_csv"), lambda: make("csv"), file_name=f"{name}.csv", mime="text/csv",
                      icon=":material/download:", key=f"{key}_csv", help=help_text, on_click="ignore")
    b.download_button(t("records.export_xlsx"), lambda: make("xlsx"), file_name=f"{name}.xlsx", mime=XLSX_MIME,
                      icon=":material/download:", key=f"{key}_xlsx", help=help_text, on_click="ignore")
