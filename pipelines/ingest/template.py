"""The import template (manual appendix 10.1): an .xlsx with the headers of a follow-up sheet,
one example row, and drop-down lists for channel, stage and 是否有效. In Chinese by default (the
headers are the fields' first Chinese aliases); in English for an English UI (the fields'
English labels, which the importer reads too)."""

from __future__ import annotations

import io
from datetime import datetime

import xlsxwriter

from pipelines import codes, i18n
from pipelines.ingest.mapping import FIELDS

ROWS_WITH_LISTS = 2000


YES_NO = {"zh_CN": ("是", "否"), "en": ("Yes", "No")}  # both read by the importer (mapping.BOOLS)


def headers(lang: str = "zh_CN") -> list[tuple[str, str]]:
    """(field, header) of every follow-up field, in the template's column order."""
    return [(f.name, f.aliases[0] if lang == "zh_CN" else i18n.t(f"field.{f.name}", lang))
            for f in FIELDS["follow_ups"]]


# a width per column (Excel's characters): a date-time at the default 16 showed as #####
WIDTHS = {"customer_name": 28, "summary": 28, "next_action": 28, "occurred_at": 20, "customer_uscc": 22}


def build(example_rep: str | None = None, lang: str = "zh_CN") -> bytes:
    """The template workbook as bytes, headers and the choices' labels in `lang`; the example's rep
    is a person's name (the demo's rep1 meant nothing to a real team)."""
    lang = lang if lang in YES_NO else "zh_CN"
    example_rep = example_rep or i18n.t("ingest.example.rep", lang)
    example = {
        "customer_name": i18n.t("ingest.example.customer_name", lang), "customer_uscc": "91350100M000100Y43",
        "occurred_at": datetime(2026, 3, 5, 14, 30), "channel": i18n.label("channel", "phone", lang),
        "rep": example_rep, "summary": i18n.t("ingest.example.summary", lang),
        "participants": i18n.t("ingest.example.participants", lang), "duration_minutes": 25,
        "effective": YES_NO[lang][0], "outcome": "", "stage": i18n.label("stage", "needs_confirmed", lang),
        "next_follow_up_date": datetime(2026, 3, 12), "next_action": i18n.t("ingest.example.next_action", lang)}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(i18n.t("ingest.template_sheet", lang))
    choices = book.add_worksheet(i18n.t("ingest.template_choices_sheet", lang))
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    # the example row in grey italics, with a note: it is refused on import (template_example)
    grey = {"font_color": "#808080", "italic": True}
    plain = book.add_format(grey)
    when = book.add_format({**grey, "num_format": "yyyy-mm-dd hh:mm"})
    day = book.add_format({**grey, "num_format": "yyyy-mm-dd"})
    lists = {"channel": [i18n.label("channel", c, lang) for c in codes.CHANNELS],
             "stage": [i18n.label("stage", s, lang) for s in codes.ALL_STAGES], "effective": list(YES_NO[lang])}
    for col, (name, header) in enumerate(headers(lang)):
        sheet.write(0, col, header, bold)
        sheet.set_column(col, col, WIDTHS.get(name, 16))
        if name == "rep":  # a name or a login, and what a misspelt one does
            sheet.write_comment(0, col, i18n.t("ingest.example.rep_note", lang), {"x_scale": 1.8, "y_scale": 1.4})
        value = example[name]
        if isinstance(value, datetime):
            sheet.write_datetime(1, col, value, when if name == "occurred_at" else day)
        else:
            sheet.write(1, col, value, plain)
        if name in lists:  # the choices live on their own sheet so long lists fit
            choices.write(0, col, header, bold)
            choices.write_column(1, col, lists[name])
            letter = xlsxwriter.utility.xl_col_to_name(col)
            sheet.data_validation(1, col, ROWS_WITH_LISTS, col, {
                "validate": "list", "source": f"='{choices.get_name()}'!${letter}$2:${letter}${len(lists[name]) + 1}",
                "error_title": header, "error_message": i18n.list_sep(lang).join(lists[name])})
    sheet.write_comment(1, 0, i18n.t("ingest.example.note", lang), {"x_scale": 1.6})
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
