"""The message catalog: both languages hold the same keys and placeholders; every code has a label."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from pipelines import codes, i18n


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_same_keys_in_both_languages():
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    assert set(zh) - set(en) == set(), "keys missing in English"
    assert set(en) - set(zh) == set(), "keys missing in Chinese"


def test_same_placeholders_in_both_languages():
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    for key in zh:
        assert _placeholders(zh[key]) == _placeholders(en[key]), key


@pytest.mark.parametrize("kind,values", [
    ("stage", codes.ALL_STAGES), ("channel", codes.CHANNELS), ("level", codes.RISK_LEVELS),
    ("size", codes.SIZES), ("customer_type", codes.CUSTOMER_TYPES), ("role", codes.ROLES),
    ("rule", codes.RISK_RULES), ("industry", codes.INDUSTRIES),
])
def test_every_code_has_a_label(kind, values):
    for lang in i18n.LANGUAGES:
        for code in values:
            text = i18n.label(kind, code, lang)
            assert text and text != code, (lang, kind, code)


def test_chinese_is_chinese():
    assert re.search(r"[\u4e00-\u9fff]", i18n.t("stage.proposal")) and i18n.t("stage.proposal") == "方案提供"
    assert i18n.t("stage.proposal", "en") == "Proposal"


def test_english_uses_plain_quotes():
    """The charts and PDF draw English in the CJK font too, where a curly apostrophe is a
    full-width character (Manual’ s reference)."""
    curly = {k: v for k, v in i18n.catalog("en").items() if re.search("[‘’“”]", v)}
    assert not curly, curly


def test_industry_labels_are_the_standard_names_imports_read():
    """The Chinese labels of industries are GB/T 4754's names, as codes.INDUSTRIES (which the
    importer maps from) holds them; English has its own."""
    assert {c: i18n.label("industry", c) for c in codes.INDUSTRIES} == codes.INDUSTRIES
    assert i18n.label("industry", "C", "en") == "Manufacturing"


def test_every_choice_box_has_a_placeholder_from_the_catalog():
    """Streamlit's own placeholder is English ("Choose an option"): it showed in a customer's
    contact picker, and screen readers read it in every other box that left it out."""
    import ast

    missing = []
    for path in sorted((Path(__file__).resolve().parent.parent / "dashboard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("selectbox", "multiselect")
                    and "placeholder" not in {k.arg for k in node.keywords}):
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_streamlits_own_words_map_from_its_english():
    """dashboard/chrome.py finds Streamlit's English by the en catalog's text: every word has one,
    none twice, and English changes nothing (but the calendar's locale: weeks from Monday)."""
    from dashboard import chrome

    zh = chrome.words("zh_CN")
    assert zh["words"]["Download as CSV"] == "下载为 CSV" and zh["words"]["Sort ascending"] == "升序排列"
    assert len(zh["words"]) == len([k for k in i18n.catalog("en") if k.startswith("chrome.")])
    assert {"help_for", "results", "start_date", "end_date", "year", "month", "day"} <= set(zh["pattern"])
    assert zh["lang"] == "zh-CN" and zh["locale"] == "zh-CN"
    assert chrome.words("en") == {"words": {}, "pattern": {}, "lang": "en", "locale": "en-GB"}
