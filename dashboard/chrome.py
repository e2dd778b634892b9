"""Streamlit's and Plotly's own words in the user's language.

Streamlit writes some words in English whatever the page's language, with no option to change
them: the labels screen readers read (收起侧边栏, a help icon's "Help for 赢单率"), a table's
tool tips and menus ("Download as CSV", "Sort ascending", "0 results"), a calendar's, and Plotly's
tool bar. The catalog's [chrome] section holds their words, found by Streamlit's English text, and
a small script puts them in place as the page is drawn. Only those exact texts, in attributes or in
Streamlit's own tool tips and menus, are changed: nothing the app or its data writes. In English
it puts Streamlit's words back."""

from __future__ import annotations

import json

import streamlit as st

from dashboard.i18n import lang
from pipelines import i18n

# The locale Streamlit's calendar takes instead of the browser's (see the script): the app's
# language, with weeks from Monday as UX.md asks (en-GB: English months, Monday first).
CALENDAR_LOCALE = {"zh_CN": "zh-CN", "en": "en-GB"}


def words(language: str) -> dict:
    """What the script gets: Streamlit's English → the language's word, and the patterns' parts."""
    if language == "en":
        return {"words": {}, "pattern": {}, "lang": "en", "locale": CALENDAR_LOCALE["en"]}
    english, here = i18n.catalog("en"), i18n.catalog(language)
    return {"words": {english[k]: here[k] for k in english if k.startswith("chrome.")},
            "pattern": {k.split(".", 1)[1]: here[k] for k in here if k.startswith("chrome_pattern.")},
            "lang": language.replace("_", "-"), "locale": CALENDAR_LOCALE.get(language, "zh-CN")}


_SCRIPT = """<script>
(() => {
  window.__fuChrome = __WORDS__;
  document.documentElement.lang = window.__fuChrome.lang;
  // Streamlit hands its calendar the browser's language (navigator.language), read as the app
  // is drawn: a Chinese team on English laptops got English months and weeks from Sunday. The
  // app's language is handed over instead, from the next drawing on.
  if (!window.__fuLocale) {
    window.__fuLocale = true;
    Object.defineProperty(Navigator.prototype, "language",
                          {configurable: true, get: () => window.__fuChrome.locale});
  }
  const ATTRS = ["aria-label", "data-title", "placeholder"];
  // Streamlit's own tool tips, table menus and calendar: the only places whose text is changed
  // and a drop-down's "No results", its list's only option when nothing typed matches (drawn
  // with display: contents, which no choice of the app's data is)
  const BOXES = ["stTooltipContent", "search-result-area", "stDataFrameColumnVisibilityMenu",
                 "stDataFrameColumnMenu", "stSkipToContent", "stDateInputCalendar"]
    .map((id) => `[data-testid=${id}]`)
    .concat(['[role=listbox] > [role=option][style*="display: contents"]']).join(", ");
  const plain = (s) => s.replace(/:[a-z]+(?:-background)?\\[([^\\]]*)\\]/g, "$1").replace(/:material\\/[a-z_]+:/g, "").trim();
  const fill = (tpl, values) => tpl.replace(/\\{(\\w+)\\}/g, (_, k) => values[k] ?? "");
  const said = (text) => {
    const c = window.__fuChrome, p = c.pattern;
    if (!text || !p.help_for) return text;
    const s = text.trim();
    if (c.words[s]) return c.words[s];
    let m;
    if ((m = s.match(/^Help for ([\\s\\S]+)$/))) return fill(p.help_for, {name: plain(m[1])});
    if ((m = s.match(/^([\\d,]+) results?$/))) return fill(p.results, {n: m[1]});
    if ((m = s.match(/^(?:(year|month|day), )?([\\s\\S]*) (start|end) date$/)))
      return fill(p[m[3] + "_date"], {name: m[2]}) + (m[1] ? " " + p[m[1]] : "");
    if ((m = s.match(/^(year|month|day), ([\\s\\S]+)$/))) return m[2] + " " + p[m[1]];
    return text;
  };
  // the original is kept beside what was put in its place: a value Streamlit sets anew is new
  const fixAttrs = (el) => {
    for (const a of ATTRS) {
      if (!el.hasAttribute(a)) continue;
      const now = el.getAttribute(a), out_ = (el.__fuOut ||= {});
      if (el.__fuOrig?.[a] === undefined || now !== out_[a]) (el.__fuOrig ||= {})[a] = now;
      out_[a] = said(el.__fuOrig[a]);
      if (now !== out_[a]) el.setAttribute(a, out_[a]);
    }
  };
  const fixText = (node) => {
    if (!node.parentElement?.closest(BOXES)) return;
    const now = node.textContent;
    if (node.__fuOrig === undefined || now !== node.__fuOut) node.__fuOrig = now;
    node.__fuOut = said(node.__fuOrig);
    if (now !== node.__fuOut) node.textContent = node.__fuOut;
  };
  const apply = (root) => {
    if (root.nodeType === 3) return fixText(root);
    if (root.nodeType !== 1) return;
    fixAttrs(root);
    root.querySelectorAll("[aria-label], [data-title], [placeholder]").forEach(fixAttrs);
    if (root.closest(BOXES) || root.querySelector(BOXES)) {
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) fixText(n);
    }
  };
  apply(document.body);
  if (window.__fuChromeWatch) return;
  window.__fuChromeWatch = new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "attributes") fixAttrs(c.target);
      else if (c.type === "characterData") fixText(c.target);
      else c.addedNodes.forEach(apply);
    }
  });
  window.__fuChromeWatch.observe(document.body, {subtree: true, childList: true, characterData: true,
                                                 attributes: true, attributeFilter: ATTRS});
})();
</script>"""


def in_language() -> None:
    """Put the user's language in Streamlit's own words (see the module's note)."""
    st.html(_SCRIPT.replace("__WORDS__", json.dumps(words(lang()), ensure_ascii=False)), unsafe_allow_javascript=True)
