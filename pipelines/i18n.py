"""The message catalog: every label and message shown to people, in zh-CN and English."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
_DIR = Path(__file__).parent / "locales"


def _flatten(prefix: str, table: dict, out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of one language, keyed `section.key`."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    out: dict[str, str] = {}
    for path in sorted(_DIR.glob(f"{lang}*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out)
    return out


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled; a missing key shows itself."""
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def list_sep(lang: str = DEFAULT_LANGUAGE) -> str:
    """What joins the items of a list in running text: 电话、邮件 / Phone, Email."""
    return "、" if lang == "zh_CN" else ", "


def signed_pct(change: float) -> str:
    """A change as a signed percentage with one decimal: +6.7%, -1.9%; no sign when it rounds to
    nothing ("+0.0%" read as a rise)."""
    text = f"{change * 100:+.1f}%"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def month_label(day: date, lang: str = DEFAULT_LANGUAGE) -> str:
    """A calendar month as people name it: 2026年10月, October 2026."""
    return t("monthly.month_label", lang, year=day.year, month_name=t(f"month_name.{day.month}", lang))


def label(kind: str, code: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """Label of a stored code, e.g. label('stage', 'proposal') → 方案提供."""
    if code is None:
        return ""
    return catalog(lang).get(f"{kind}.{code}", code)


def industry(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """"C 制造业" / "C Manufacturing": a GB/T 4754 section letter and its name, as pages and
    exports show it (an unknown code as it is)."""
    name = catalog(lang).get(f"industry.{code}")
    return f"{code} {name}" if name else code
