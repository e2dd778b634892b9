"""Read an import file into a frame of text columns, whatever its format and encoding.

Every column comes back as text (dates as ISO text, Excel date cells included) so that
one set of column-wise parsers in validate.py serves every format. `_row` holds the row
number a person sees when opening the file (the header is row 1 of a CSV).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import exports

ROW = "_row"
HEADER_SCAN_ROWS = 30
_SAMPLE = 256 * 1024


class ReadError(Exception):
    """The file cannot be read at all; the message is in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class Table:
    frame: pl.DataFrame  # text columns plus `_row`
    headers: list[str]
    encoding: str | None = None
    sheet: str | None = None
    # CSV rows with more cells than the header (an unquoted comma in a cell shifts the columns):
    # row number → the cells past the header, which the frame does not hold
    ragged: dict[int, str] = field(default_factory=dict)


def read(path: str | Path, sheet: str | None = None,
         header_hint: Callable[[list[str]], int] | None = None) -> Table:
    """Read CSV, Excel .xlsx, Parquet, JSON or NDJSON; raise ReadError when it cannot."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"无法打开文件:{exc.strerror}", f"cannot open the file: {exc.strerror}") from None
    if size == 0:
        raise ReadError("文件是空的(没有表头)。", "the file is empty (no header row).")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            table = _excel(path, sheet, header_hint)
        elif suffix == ".parquet":
            table = _frame(pl.read_parquet(path))
        elif suffix in (".ndjson", ".jsonl"):
            table = _frame(pl.read_ndjson(path, infer_schema_length=None))
        elif suffix == ".json":
            table = _json(path)
        else:
            table = _csv(path)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure means the file cannot be read
        # the reader's own words (English, about zip archives and byte offsets) go to the log only
        log.warning("cannot read %s: %s", path.name, _short(exc))
        kind = suffix.lstrip(".") or "CSV"
        excel = suffix in ("", ".csv", ".txt", ".xlsx", ".xlsm", ".xls")  # files Excel can save again
        raise ReadError(f"文件已损坏,或不是 {kind} 文件。"
                        + (f"请用 Excel 打开后另存为 {kind},再导入。" if excel else ""),
                        f"the file is damaged, or not a valid {kind} file."
                        + (f" Open it in Excel, save it as {kind} again, and import that." if excel else "")) from None
    table.frame = _unmark(_drop_blank_rows(table.frame))
    return table


def _unmark(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells our exports marked so that Excel does not run them ('=…, '-…: exports.neutralise),
    as they were: a rejects file corrected and imported again gives back what its rows held."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text or frame.height == 0:
        return frame
    # first, cheaply, the columns where any cell starts with an apostrophe (rarely one)
    quoted = frame.lazy().select(pl.col(text).str.starts_with("'").any()).collect().row(0)  # 26 ms at 1M rows
    marked = [c for c, q in zip(text, quoted, strict=True) if q]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(exports.MARKED)).then(pl.col(c).str.slice(1)).otherwise(pl.col(c)).alias(c)
        for c in marked) if marked else frame


log = logging.getLogger("followup.ingest")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


# -- CSV ---------------------------------------------------------------------------------------

_CONTROL = bytes([*range(1, 9), *range(14, 32), 127])  # control bytes no text file of ours holds


def _binary(head: bytes) -> None:
    """Refuse bytes that are not text: a NUL, or more than a stray few control bytes (random
    bytes often hold no NUL, and GB18030 decodes almost anything)."""
    controls = len(head) - len(head.translate(None, _CONTROL))
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise ReadError("文件含有二进制内容,不是文本 CSV。", "the file holds binary data, not CSV text.")


def detect_encoding(path: Path) -> str:
    """utf-8 (BOM or not) when the bytes are UTF-8; otherwise the guess of charset-normalizer,
    with the GBK family read as GB18030 (its superset, what Excel on Chinese Windows writes)."""
    raw = path.read_bytes()
    _binary(raw[:_SAMPLE])
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[: 4 * _SAMPLE]).best()
    if best is None:
        raise ReadError("无法识别文件的字符编码。", "cannot tell the file's character encoding.")
    name = best.encoding.lower().replace("-", "_")
    if name in ("gbk", "gb2312", "gb18030", "hz", "cp936", "big5", "big5hkscs"):
        try:  # Chinese text is far likelier GB18030 than Big5 in a mainland file
            raw.decode("gb18030")
            return "gb18030"
        except UnicodeDecodeError:
            pass
    return best.encoding


def _csv(path: Path) -> Table:
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode 文本" save: UTF-16 with a BOM, tab-separated (its NULs are not binary)
        try:
            text = path.read_bytes().decode("utf-16")
        except UnicodeDecodeError:
            raise ReadError("文件以 UTF-16 标记开头,但内容不是有效的 UTF-16 文本。",
                            "the file starts with a UTF-16 mark but is not valid UTF-16 text.") from None
        return _csv_frame(io.BytesIO(text.encode("utf-8")), text[:_SAMPLE], "utf-16")
    _binary(head)
    try:  # the usual case, UTF-8: polars reads the file itself and refuses bytes that are not UTF-8
        return _csv_frame(path, head.decode("utf-8", "ignore"), "utf-8")
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower():
            raise
    encoding = detect_encoding(path)
    text = path.read_bytes().decode(encoding)
    return _csv_frame(io.BytesIO(text.encode("utf-8")), text[:_SAMPLE], encoding)


def _csv_frame(source: Path | io.BytesIO, head: str, encoding: str) -> Table:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    sep = max([",", "\t", ";", "|"], key=first.count)
    # the reader numbers the rows itself, in the same chunks as the cells: a row number made after
    # (one chunk) would make polars copy every column into one chunk to line them up
    def frame_of(ragged: bool) -> pl.DataFrame:
        if isinstance(source, io.BytesIO):
            source.seek(0)
        return pl.read_csv(source, infer_schema=False, separator=sep, encoding="utf8",
                           truncate_ragged_lines=ragged, row_index_name=ROW, row_index_offset=2)

    ragged: dict[int, str] = {}
    try:
        frame = frame_of(ragged=False)
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise
        # rare: read again with the extra cells cut off, and find those rows so they are refused
        frame = frame_of(ragged=True)
        ragged = _ragged_rows(source, sep, len(frame.columns) - 1)
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns if c != ROW})
    frame = frame.select(pl.col(ROW).cast(pl.Int64), pl.all().exclude(ROW))
    return Table(frame, [c for c in frame.columns if c != ROW], encoding=encoding, ragged=ragged)


def _ragged_rows(source: Path | io.BytesIO, sep: str, width: int) -> dict[int, str]:
    """The rows with more than `width` cells, numbered as the frame numbers them (blank lines
    count as rows there too), each with its extra cells."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source.getvalue().decode("utf-8")
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep)
    next(rows, None)  # the header
    return {n: sep.join(cells[width:]) for n, cells in enumerate(rows, start=2) if len(cells) > width}


# -- Excel ---------------------------------------------------------------------------------

_DECIMAL = r"^-?\d+\.\d+$"
_NOISE_DIGITS = 16  # a float written out in full has 16-17 significant digits; Excel shows 15


def _noisy(col: str) -> pl.Expr:
    return pl.col(col).str.contains(_DECIMAL) & (pl.col(col).str.replace_all(r"\D", "").str.len_chars() >= _NOISE_DIGITS)


def _shortest(text: str) -> str:
    """A number cell's text in Excel's 15 significant digits, as Excel shows it:
    35088848.789999999 → 35088848.79, 0.30000000000000004 → 0.3. Other text as it is."""
    if not re.fullmatch(_DECIMAL, text) or sum(c.isdigit() for c in text) < _NOISE_DIGITS:
        return text
    shown = f"{float(text):.15g}"
    return text if "e" in shown else shown


def _excel(path: Path, sheet: str | None, header_hint: Callable[[list[str]], int] | None) -> Table:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    if sheet is not None and sheet not in reader.sheet_names:
        raise ReadError(f"工作簿里没有工作表「{sheet}」(有:{'、'.join(reader.sheet_names)})。",
                        f"the workbook has no sheet {sheet!r} (it has: {', '.join(reader.sheet_names)}).")
    name = sheet if sheet is not None else reader.sheet_names[0]
    # Every cell as text: date cells become "2025-01-01 00:00:00" (shortened below), numbers "10".
    raw = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars()
    if raw.height == 0:
        raise ReadError(f"工作表「{name}」是空的(没有表头)。", f"the sheet {name!r} is empty (no header row).")
    header_at = _find_header(raw, header_hint)
    headers = [("" if v is None else str(v).strip()) for v in raw.row(header_at)]
    headers = [h or f"column_{i + 1}" for i, h in enumerate(headers)]
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):  # duplicate header names get a suffix, as polars does for CSV
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            headers[i] = f"{h}_duplicated_{seen[h] - 1}"
    body = raw.slice(header_at + 1)
    body.columns = headers
    # a date cell reads as the date alone, as Excel shows it (midnight adds nothing to the value)
    body = body.with_columns(pl.col(h).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1") for h in headers)
    # and a number cell as Excel shows it: the text of a binary float read 35088848.789999999 for
    # 35088848.79 in the preview and the rejects file (only columns that have such a cell)
    noisy = [h for h in headers if body.select(_noisy(h).any()).item()]
    body = body.with_columns(pl.col(h).map_elements(_shortest, return_dtype=pl.String) for h in noisy)
    body = body.with_row_index(ROW, offset=header_at + 2).with_columns(pl.col(ROW).cast(pl.Int64))
    return Table(body, headers, sheet=name)


def _find_header(raw: pl.DataFrame, hint: Callable[[list[str]], int] | None) -> int:
    """The first row among the top rows that names the most known fields (title rows above it)."""
    from pipelines.ingest.mapping import recognised

    score = hint or recognised
    best, best_score = 0, 0
    for i, row in enumerate(raw.head(HEADER_SCAN_ROWS).iter_rows()):
        cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
        s = score(cells)
        if s > best_score:
            best, best_score = i, s
    if best_score == 0:  # nothing recognised: the first non-empty row is the header
        for i, row in enumerate(raw.head(HEADER_SCAN_ROWS).iter_rows()):
            if any(v is not None and str(v).strip() for v in row):
                return i
    return best


# -- Parquet and JSON ----------------------------------------------------------------------

def _json(path: Path) -> Table:
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return _frame(pl.read_ndjson(io.BytesIO(text.encode("utf-8")), infer_schema_length=None))
    if isinstance(data, dict):  # {"rows": [...]} or one record
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ReadError("JSON 应为对象数组。", "the JSON must be an array of objects.")
    if not data:
        return Table(pl.DataFrame({ROW: pl.Series([], dtype=pl.Int64)}), [])
    return _frame(pl.from_dicts(data, infer_schema_length=None))


def _frame(frame: pl.DataFrame) -> Table:
    """Typed columns → text; a record's number is its position (1-based)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                from pipelines.config import tz_name

                col = col.dt.convert_time_zone(tz_name()).dt.replace_time_zone(None)
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M:%S").alias(name))
        elif isinstance(dtype, pl.Date):
            exprs.append(col.dt.strftime("%Y-%m-%d").alias(name))
        elif isinstance(dtype, pl.List):
            exprs.append(col.cast(pl.List(pl.String)).list.join(",").alias(name))
        elif isinstance(dtype, (pl.Struct, pl.Array)):
            exprs.append(col.map_elements(lambda v: json.dumps(v, ensure_ascii=False, default=str),
                                          return_dtype=pl.String).alias(name))
        elif isinstance(dtype, pl.Float64 | pl.Float32):
            # 30.0 → "30": whole numbers read back as integers
            exprs.append(pl.when(col == col.round(0)).then(col.cast(pl.Int64, strict=False).cast(pl.String))
                         .otherwise(col.cast(pl.String)).alias(name))
        else:
            exprs.append(col.cast(pl.String).alias(name))
    frame = frame.select(exprs) if exprs else frame
    frame = frame.rename({c: str(c).strip() for c in frame.columns})
    frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    return Table(frame, [c for c in frame.columns if c != ROW])


def _drop_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows with every cell empty or blank are not records (Excel sheets end with many). Most
    rows have text in their first cell: only the others are looked at further."""
    cols = [c for c in frame.columns if c != ROW]
    if not cols or frame.height == 0:
        return frame

    def text(c: str) -> pl.Expr:
        return pl.col(c).str.contains(r"\S").fill_null(False)  # \S: what strip_chars() keeps

    filled = frame.select(text(cols[0])).to_series()
    if filled.all():
        return frame
    unsure = filled.not_().arg_true()
    rest = frame[unsure].select(pl.any_horizontal([text(c) for c in cols[1:]]) if cols[1:] else pl.lit(False))
    return frame.filter(filled.scatter(unsure, rest.to_series()))


def sheet_names(path: str | Path) -> list[str]:
    """The sheets of a workbook (empty for other formats or an unreadable file)."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        return []
    try:
        import fastexcel

        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception:  # noqa: BLE001 - the import itself reports an unreadable workbook
        return []
