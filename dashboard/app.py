"""The router: login gate, language, and the role's pages in sections (st.navigation).

Every page is registered, so a URL opened by hand reaches the page's own guard and its
"not permitted" message; the menu drawn here lists only the pages of the user's role.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run dashboard/app.py`

from dashboard import auth, chrome, fmt, widgets
from dashboard.data import failure_text, store
from dashboard.i18n import lang, t
from dashboard.nav import PAGES_DIR, pages_built
from pipelines import accounts, i18n
from pipelines.store import StoreError

st.set_page_config(page_title=t("app.name"), page_icon=":material/contact_phone:", layout="wide")
# Less empty space above the page title than Streamlit's default; and no "Press Enter to submit
# form" under text inputs: Streamlit writes that hint in English only, whatever the user's language.
st.html("<style>.stMainBlockContainer, .block-container { padding-top: 2.2rem; }"
        ' [data-testid="InputInstructions"] { display: none; }</style>')
# On a phone Streamlit stacks columns one per row: a row of five figure cards filled the first
# screen, and the rows of fields and buttons in a container keyed "compact_…" (the filter panel,
# the pager, /records' exports) pushed /records' table two screens down. Both stay two to a row
# there, the cards with smaller numbers.
_CARDS = '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])'
_COMPACT = '[class*="st-key-compact_"] [data-testid="stHorizontalBlock"]'
st.html(f"<style>@media (max-width: 640px) {{ {_CARDS}, {_COMPACT} {{ flex-flow: row wrap; gap: 0.5rem; }}"
        f" {_CARDS} > [data-testid=stColumn], {_COMPACT} > [data-testid=stColumn] {{"
        " flex: 1 1 calc(50% - 0.5rem) !important;"
        " min-width: calc(50% - 0.5rem) !important; width: calc(50% - 0.5rem) !important; }"
        ' [data-testid="stMetricValue"] { font-size: 1.5rem; } }</style>')
# On a tablet (or a narrow window) a row of five cards cut its numbers ("10.6…"; at 1101 px beside
# the menu, 247.3万 read "24…" and 12.7 / 8 "12.…"): three to a row.
st.html(f"<style>@media (min-width: 641px) and (max-width: 1300px) {{ {_CARDS} {{ flex-flow: row wrap; }}"
        f" {_CARDS} > [data-testid=stColumn] {{ flex: 1 1 calc(33% - 1rem) !important;"
        " min-width: calc(33% - 1rem) !important; } }</style>")
# A card's name wraps instead of ending in "…" ("Effective follow-…" at 1366 px in English), and
# the cards of a row keep one height when one name takes two lines.
_LABEL = '[data-testid="stMetricLabel"]'
_ALONE = '[data-testid=stColumn] > [data-testid=stVerticalBlock] > [data-testid=stElementContainer]:only-child'
st.html(f"<style>{_LABEL} [data-testid=stMarkdownContainer], {_LABEL} p {{ white-space: normal !important; }}"
        f" {_ALONE}:has(> [data-testid=stMetric]) {{ flex: 1 1 auto; }}"
        f" {_ALONE} > [data-testid=stMetric] {{ height: 100%; }}</style>")
# A touch screen has no hover, so Plotly's tool bar stays shown, over the chart's title (the
# question it answers): hidden there. Pinching zooms, and Streamlit's own full-screen button stays.
# A table's tool bar (search, download, full screen) is also always shown there, 44 px above the
# table, over whatever is above it (a customer's tab names): the table makes room for it.
st.html("<style>@media (hover: none) { .js-plotly-plot .modebar-container { display: none !important; }"
        " [data-testid=stFullScreenFrame]:has(> [data-testid=stDataFrame]) { margin-top: 44px; } }"
        # with a mouse it shows while the pointer is over the table: then over the buttons of a
        # row just above it (/customers' 查看详情), which a click on the way up did not reach
        " [data-testid=stLayoutWrapper]:has(button) + [data-testid=stElementContainer]:has([data-testid=stDataFrame])"
        " { margin-top: 36px; }</style>")
# The file uploader's button and size hint are English whatever the language (Streamlit has no
# option for them yet: streamlit/streamlit#13500): the catalog's words are drawn in their place.
_DROP = '[data-testid="stFileUploaderDropzone"]'
st.html(f"<style>{_DROP} button p, {_DROP} [data-testid=stFileUploaderDropzoneInstructions] span {{ font-size: 0; }}"
        f' {_DROP} button p::after {{ content: "{t("common.upload")}"; font-size: 0.875rem; }}'
        f' {_DROP} [data-testid=stFileUploaderDropzoneInstructions] span::after {{'
        f' content: "{t("common.upload_hint", mb=st.get_option("server.maxUploadSize"))}"; font-size: 0.8rem; }}</style>')
# A link in the page (a risk card's customer) wraps instead of being cut at its box's edge: at
# 1024 px "北京远景医药连锁…" lost its end, with no "…" to say so.
st.html("<style>[data-testid=stMain] [data-testid=stPageLink-NavLink] * { white-space: normal !important;"
        " overflow: visible !important; text-overflow: clip !important; }</style>")
# A range's calendar offers Streamlit's own "Past Week … Past 2 Years" (in English only) beside
# the filter's own 时间范围 choices, which name the same periods otherwise: hidden.
st.html("<style>[data-testid=stDateInputQuickSelect] { display: none; }</style>")


def _language_picker(key: str) -> None:
    names = {"zh_CN": "中文", "en": "English"}
    choice = st.selectbox(t("nav.language"), i18n.LANGUAGES, index=i18n.LANGUAGES.index(lang()),
                          format_func=names.get, key=key, placeholder=t("common.choose"))
    if choice != lang():
        st.session_state["lang"] = choice
        if st.session_state.get("actor") is not None:
            accounts.set_language(store(), st.session_state["actor"], choice)
        else:  # chosen before logging in: the login keeps it (dashboard.auth)
            st.session_state["lang_chosen"] = choice
        st.rerun()


def _remember_entry_path() -> None:
    """The page a visit opened by URL, kept from its first run.

    The login cookie's component reruns the app once before the user is known, and that rerun
    forgets the URL's page; after the login the router goes to the remembered page instead.
    """
    if "after_login" in st.session_state or st.session_state.get("entry_seen"):
        return
    st.session_state["entry_seen"] = True
    url = st.context.url or ""  # (without the query string)
    path = urlparse(url).path.strip("/").split("/")[-1] if url else ""
    if path and any(p.path == path for p in pages_built()):
        st.session_state["after_login"] = path
        # and its query (a customer's ?id=, a filter link's dates), which that rerun forgets too
        st.session_state["after_login_query"] = st.query_params.to_dict()


def main() -> None:
    _remember_entry_path()
    try:
        store()
    except StoreError as exc:
        st.error(fmt.literal(exc.text(lang())))  # it names the database's path
        st.stop()
    key = auth.cookie_key()
    if key is None:
        st.error(t("auth.no_cookie_key"))
        st.stop()
    authenticator = auth.authenticator(key)
    auth.restore_session(authenticator)
    chrome.in_language()  # Streamlit's own English words, after the user's language is known
    user = st.session_state.get("actor")
    if user is None:
        with st.sidebar:
            _language_picker("lang_login")
        # Every page's URL shows the login form; _remember_entry_path() leads there after the login.
        def login() -> None:
            auth.login_page(authenticator)

        entries = [st.Page(login, title=t("auth.title"), icon=":material/login:", url_path="login", default=True)]
        entries += [st.Page(login, title=t(p.title_key), icon=":material/login:", url_path=p.path)
                    for p in pages_built() if p.path]
        page = st.navigation(entries, position="hidden")
        page.run()
        return

    pages = {p.path: st.Page(str(PAGES_DIR / p.file), title=t(p.title_key), icon=p.icon,
                             url_path=p.path or None, default=p.path == "") for p in pages_built()}
    current = st.navigation(list(pages.values()), position="hidden")
    wanted = st.session_state.pop("after_login", None)
    query = st.session_state.pop("after_login_query", None)
    if wanted in pages and current.url_path != wanted:
        st.switch_page(pages[wanted], query_params=query or None)
    auth.send_cookie(authenticator)
    with st.sidebar:
        st.markdown(f"**{t('app.name')}**")
        st.caption(t("auth.logged_in_as", name=fmt.literal(user.display_name), role=t(f"role.{user.role}")))
        section = None
        for p in pages_built():
            if user.role not in p.roles or user.must_change_password:  # no page opens before the change
                continue
            if p.section != section:
                section = p.section
                st.caption(t(section))
            st.page_link(pages[p.path], label=t(p.title_key), icon=p.icon)
        widgets.sidebar_closes_on_navigation()
        st.divider()
        if st.button(t("nav.logout"), icon=":material/logout:", key="logout_button", type="tertiary"):
            auth.end_session(authenticator)
            st.rerun()
        _language_picker("lang_user")
        if not user.must_change_password:
            auth.password_change(authenticator)
    if user.must_change_password:  # set by an admin, so known to them: changed before any page opens
        auth.first_password(authenticator)
        return
    # whether this run opened the page (from the menu, a link, a login) or reran it: a page whose
    # widgets keep their state across pages cannot tell by a widget's state being gone
    st.session_state["page_opened"] = st.session_state.get("page_shown") != current.url_path
    st.session_state["page_shown"] = current.url_path
    current.run()


try:
    main()
except Exception as exc:  # noqa: BLE001 - st.stop/st.rerun are BaseException and pass through
    # Before any page: the login check reads the accounts. With PostgreSQL stopped that was
    # Streamlit's English crash notice on every page, and nothing in logs/followup.log.
    st.error(failure_text(exc, "app"), icon=":material/error:")
    chrome.in_language()  # Streamlit's own words too ("Skip to main content"), which main() had not reached
