"""The page table: URL path, file, icon, menu section and the roles that may open each page.

This is ../shared/INTERFACES.md's page-by-role table. The router shows a role only its own
pages; every page also guards itself (`guard(path)`), so a URL typed by hand is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ALL = frozenset({"rep", "manager", "leader", "admin"})


@dataclass(frozen=True)
class PageSpec:
    path: str  # URL path without the slash; "" is home
    file: str  # under dashboard/views/
    icon: str
    section: str  # message key of the menu section
    roles: frozenset[str]

    @property
    def title_key(self) -> str:
        return f"nav.{self.path or 'home'}"


_MANAGERS_UP = frozenset({"manager", "leader", "admin"})
_WRITERS = frozenset({"rep", "manager"})

# Menu order. A page whose file is not built yet is left out of the router (pages_built()),
# and tests/test_pages.py fails until every page of INTERFACES.md is built.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("", "home.py", ":material/home:", "nav.section_work", ALL),
    PageSpec("log", "log.py", ":material/edit_note:", "nav.section_work", _WRITERS),
    PageSpec("customers", "customers.py", ":material/apartment:", "nav.section_work", ALL),
    PageSpec("records", "records.py", ":material/table_rows:", "nav.section_work", ALL),
    PageSpec("funnel", "funnel.py", ":material/filter_alt:", "nav.section_analysis", ALL),
    PageSpec("trends", "trends.py", ":material/trending_up:", "nav.section_analysis", ALL),
    PageSpec("channels", "channels.py", ":material/call_split:", "nav.section_analysis", ALL),
    PageSpec("team", "team.py", ":material/groups:", "nav.section_analysis", _MANAGERS_UP),
    PageSpec("monthly", "monthly.py", ":material/summarize:", "nav.section_analysis", _MANAGERS_UP),
    PageSpec("risks", "risks.py", ":material/warning:", "nav.section_risk", ALL),
    PageSpec("import", "import_page.py", ":material/upload_file:", "nav.section_manage",
             frozenset({"manager", "admin"})),
    PageSpec("admin", "admin.py", ":material/admin_panel_settings:", "nav.section_manage",
             frozenset({"admin"})),
    PageSpec("help", "help.py", ":material/help:", "nav.section_help", ALL),
)
PAGES_DIR = Path(__file__).parent / "views"  # not "pages": Streamlit would also serve that folder by itself


def pages_built() -> tuple[PageSpec, ...]:
    return tuple(p for p in PAGES if (PAGES_DIR / p.file).exists())


def spec(path: str) -> PageSpec:
    return next(p for p in PAGES if p.path == path)


def allowed(path: str, role: str) -> bool:
    return role in spec(path).roles
