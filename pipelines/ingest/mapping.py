"""Which of our fields each column of an import file holds, and how its values become codes.

The import fields and their Chinese aliases are ../shared/INTERFACES.md's "Import fields".
Headers match exactly, then ignoring case, spaces, underscores and full-width/half-width
differences. A YAML mapping file names another system's columns, values, date formats and
defaults (see examples/mappings/).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines import codes, i18n

KINDS: tuple[str, ...] = ("follow_ups", "customers", "contacts", "contracts")
NEEDS_KEY = ("follow_ups", "contacts", "contracts")  # rows that name a customer by name or credit code


@dataclass(frozen=True)
class Field:
    """One import field: its name, aliases, value type and limits."""

    name: str
    type: str  # text, datetime, date, choice, bool, int, money, uscc, phone, email, province, user, tags
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_len: int | None = None
    choice: str | None = None  # catalog kind of a choice field (stage, channel, …)
    low: int | None = None
    high: int | None = None


def _f(name: str, type_: str, *aliases: str, **kw: Any) -> Field:
    return Field(name, type_, tuple(aliases), **kw)


_CUSTOMER_NAME = _f("customer_name", "text", "客户名称", "客户", "客户名", "公司名称", max_len=200)
_CUSTOMER_USCC = _f("customer_uscc", "uscc", "统一社会信用代码", "信用代码")

FIELDS: dict[str, tuple[Field, ...]] = {
    "follow_ups": (
        _CUSTOMER_NAME, _CUSTOMER_USCC,
        _f("occurred_at", "datetime", "跟进日期", "跟进时间", required=True),
        _f("channel", "choice", "跟进方式", "跟进渠道", required=True, choice="channel"),
        _f("rep", "user", "跟进人", "销售代表", "销售", required=True, max_len=200),
        _f("summary", "text", "跟进内容", "沟通内容", "跟进内容摘要", required=True, max_len=4000),
        _f("participants", "text", "参与人员", max_len=200),
        _f("duration_minutes", "int", "时长(分钟)", "沟通时长", "时长", low=0, high=1440),
        _f("effective", "bool", "是否有效", "有效跟进"),
        _f("outcome", "text", "跟进结果", max_len=4000),
        _f("stage", "choice", "客户阶段", "阶段", "跟进后阶段", choice="stage"),
        _f("next_follow_up_date", "date", "下次跟进日期", "下次跟进时间"),
        _f("next_action", "text", "下一步计划", "下一步", max_len=4000),
    ),
    "customers": (
        _f("name", "text", "客户名称", "客户", "公司名称", required=True, max_len=200),
        _f("uscc", "uscc", "统一社会信用代码", "信用代码"),
        _f("industry", "choice", "所属行业", "行业", choice="industry"),
        _f("size", "choice", "企业规模", "规模", choice="size"),
        _f("province", "province", "省份", "省"),
        _f("city", "text", "城市", max_len=200),
        _f("district", "text", "区县", max_len=200),
        _f("customer_type", "choice", "客户类型", choice="customer_type"),
        _f("group_name", "text", "所属集团", max_len=200),
        _f("tags", "tags", "标签"),
        _f("owner", "user", "负责人", "销售代表", required=True, max_len=200),
        _f("stage", "choice", "客户阶段", "阶段", choice="stage"),
    ),
    "contacts": (
        _CUSTOMER_NAME, _CUSTOMER_USCC,
        _f("name", "text", "联系人", "姓名", required=True, max_len=200),
        _f("position", "text", "职位", max_len=200),
        _f("decision_role", "choice", "决策角色", choice="decision_role"),
        _f("phone", "phone", "电话", "手机", "联系电话"),
        _f("email", "email", "邮箱", "电子邮件"),
        _f("wechat", "text", "微信", max_len=64),
    ),
    "contracts": (
        _CUSTOMER_NAME, _CUSTOMER_USCC,
        _f("rep", "user", "签约人", "销售代表", required=True, max_len=200),
        _f("signed_on", "date", "签约日期", required=True),
        _f("amount", "money", "合同金额", "金额", required=True),
        _f("products", "text", "产品", max_len=200),
    ),
}

# Values people write for a code, beyond the catalog's labels in both languages.
SYNONYMS: dict[str, dict[str, str]] = {
    "channel": {"打电话": "phone", "电话沟通": "phone", "电话拜访": "phone", "电子邮件": "email",
                "邮箱": "email", "上门拜访": "visit", "上门": "visit", "面谈": "visit", "拜访客户": "visit",
                "视频": "video_meeting", "线上会议": "video_meeting", "腾讯会议": "video_meeting",
                "演示": "demo", "其它": "other", "call": "phone", "meeting": "visit"},
    "stage": {"输单": "lost", "流失": "lost", "丢单": "lost", "初次接触": "initial_contact",
              "方案": "proposal", "谈判": "negotiation", "签约": "contract_signed", "已签约": "contract_signed",
              "售后": "after_sales"},
    "size": {"大": "large", "中": "medium", "小": "small", "微": "micro", "大型企业": "large",
             "中型企业": "medium", "小型企业": "small", "微型企业": "micro"},
    "decision_role": {"决策人": "decision_maker", "使用人": "user"},
}
BOOLS = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False, "yes": True,
         "no": False, "y": True, "n": False, "有效": True, "无效": False, "√": True, "×": False}
CHOICE_CODES: dict[str, tuple[str, ...]] = {
    "channel": codes.CHANNELS, "stage": codes.ALL_STAGES, "size": codes.SIZES,
    "customer_type": codes.CUSTOMER_TYPES, "decision_role": codes.DECISION_ROLES,
    "industry": tuple(codes.INDUSTRIES),
}


def norm(text: str) -> str:
    """Header or value key: full-width → half-width, case folded, no spaces or underscores."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-")


def choice_values(kind: str) -> dict[str, str]:
    """{normalised value: code} for a choice kind: codes, labels in both languages, synonyms."""
    out: dict[str, str] = {}
    for code in CHOICE_CODES[kind]:
        out[norm(code)] = code
        for lang in i18n.LANGUAGES:
            label = i18n.label(kind, code, lang)
            out[norm(label)] = code
            for part in label.split("/"):  # 输单/流失
                out.setdefault(norm(part), code)
    if kind == "industry":
        out.update({norm(name): letter for letter, name in codes.INDUSTRIES.items()})
    out.update({norm(k): v for k, v in SYNONYMS.get(kind, {}).items()})
    return out


class MappingError(ValueError):
    """A mapping file that cannot be used; the message in Chinese and English (`text(lang)`)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    @classmethod
    def unreadable(cls, where: str, exc: Exception) -> MappingError:
        """Where a file is not YAML, or not UTF-8 text, in words (PyYAML's own text is English)."""
        mark = getattr(exc, "problem_mark", None)
        if isinstance(exc, yaml.YAMLError) and mark is not None:
            line, col = mark.line + 1, mark.column + 1
            return cls(f"{where}:第 {line} 行第 {col} 列附近格式有误,请检查冒号、引号、括号和缩进。",
                       f"{where}: not valid YAML near line {line}, column {col}; check colons, quotes, "
                       "brackets and indentation.")
        if isinstance(exc, yaml.YAMLError):
            return cls(f"{where}:不是有效的 YAML 文件。", f"{where}: not a valid YAML file.")
        if isinstance(exc, UnicodeDecodeError):
            return cls(f"{where}:不是 UTF-8 编码的文本文件。", f"{where}: not a UTF-8 text file.")
        return cls(f"无法读取映射文件 {where}:{exc}", f"cannot read the mapping file {where}: {exc}")


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "mappings"


def examples() -> list[Path]:
    """The project's ready mapping files for other CRMs' exports (none where it is not shipped)."""
    return sorted(EXAMPLES.glob("*.yaml")) if EXAMPLES.is_dir() else []


@dataclass
class Mapping:
    """A user's mapping file: kind, columns, values, formats, defaults."""

    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    formats: dict[str, list[str]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
            raise MappingError.unreadable(str(path), exc) from exc
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: dict, where: str = "mapping") -> Mapping:
        if not isinstance(data, dict):
            raise MappingError(f"{where}:应为「字段: 值」形式的 YAML 映射。", f"{where}: must be a YAML mapping.")
        kind = data.get("kind")
        if kind is not None and kind not in KINDS:
            raise MappingError(f"{where}:kind「{kind}」不是 {', '.join(KINDS)} 之一。",
                               f"{where}: unknown kind {kind!r}; use one of {', '.join(KINDS)}.")
        formats = {k: [v] if isinstance(v, str) else list(v) for k, v in (data.get("formats") or {}).items()}
        mapping = cls(kind, dict(data.get("columns") or {}), dict(data.get("values") or {}), formats,
                      dict(data.get("defaults") or {}))
        if kind is not None:
            known = {f.name for f in FIELDS[kind]}
            for section in ("columns", "values", "formats", "defaults"):
                unknown = set(getattr(mapping, section)) - known
                if unknown:
                    names, valid = ", ".join(sorted(unknown)), ", ".join(f.name for f in FIELDS[kind])
                    what = {lang: i18n.t(f"ingest.kind.{kind}", lang) for lang in ("zh_CN", "en")}
                    raise MappingError(
                        f"{where}:{section} 中的 {names} 不是{what['zh_CN']}的字段。可用的字段:{valid}。",
                        f"{where}: {section} names {names}, not a field of {what['en'].lower()}. "
                        f"The fields: {valid}.")
            _check_defaults(mapping, kind, where)
        return mapping


def _check_defaults(mapping: Mapping, kind: str, where: str) -> None:
    """A default for a choice or yes/no field must be one of its values (or one the mapping's own
    `values` turns into one): said once for the mapping, not once for every row it would fill."""
    for f in FIELDS[kind]:
        if f.name not in mapping.defaults or f.type not in ("choice", "bool"):
            continue
        value = mapping.defaults[f.name]
        if str(value) in {str(k) for k in mapping.values.get(f.name) or {}}:  # as validate._raw applies it
            continue
        allowed = choice_values(f.choice) if f.type == "choice" else {norm(k): v for k, v in BOOLS.items()}
        if isinstance(value, bool) or norm(value) in allowed:
            continue
        shown = {lang: i18n.list_sep(lang).join(
            i18n.label(f.choice, c, lang) for c in CHOICE_CODES[f.choice]) if f.type == "choice"
            else ("是、否" if lang == "zh_CN" else "yes, no") for lang in ("zh_CN", "en")}
        raise MappingError(
            f"{where}:defaults 中 {f.name} 的值「{value}」不是可选值(可选:{shown['zh_CN']})。",
            f"{where}: the default {value!r} of {f.name} is not one of its values ({shown['en']}).")


def _header_index(kind: str) -> dict[str, str]:
    """{normalised header: field} for one kind: field names, English labels, Chinese aliases."""
    out: dict[str, str] = {}
    for f in FIELDS[kind]:
        out[norm(f.name)] = f.name
        for alias in f.aliases:
            out[norm(alias)] = f.name
        out.setdefault(norm(i18n.t(f"field.{f.name}", "en")), f.name)
    return out


def _mapped(headers: list[str], mapping: Mapping) -> dict[str, str | None]:
    """{field: the file's column} for each column the mapping names, None where the file has none
    (a field the mapping gives no column, `stage: null`, is left out: see unmatched)."""
    by_norm = {norm(h): h for h in headers}
    return {name: column if column in headers else by_norm.get(norm(column))
            for name, column in mapping.columns.items() if column}


def unmatched(mapping: Mapping | None) -> set[str]:
    """The fields a mapping reads from no column (`stage: null`), not even a header of their own
    name: another system's Stage column, whose values are not our stages, would reject every row."""
    return {name for name, column in (mapping.columns if mapping else {}).items() if not column}


def absent_columns(headers: list[str], mapping: Mapping | None) -> list[str]:
    """The columns the mapping names that the file does not have (then the mapping does not fit
    the file, even where a header of the file's own would fill the field)."""
    if mapping is None:
        return []
    found = _mapped(headers, mapping)
    return [column for name, column in mapping.columns.items() if column and found[name] is None]


def match_headers(headers: list[str], kind: str, mapping: Mapping | None = None) -> dict[str, str]:
    """{field: column of the file} for `kind`: the mapping's columns, then exact, then normalised."""
    found: dict[str, str] = {}
    if mapping is not None:
        found = {name: column for name, column in _mapped(headers, mapping).items() if column is not None}
    taken = set(found.values())
    skipped = unmatched(mapping)
    exact = {a: f.name for f in FIELDS[kind] for a in (f.name, *f.aliases)}
    index = _header_index(kind)
    for header in headers:
        if header in taken:
            continue
        name = exact.get(header.strip()) or index.get(norm(header))
        if name and name not in found and name not in skipped:
            found[name] = header
            taken.add(header)
    return found


def detect_kind(headers: list[str], mapping: Mapping | None = None) -> str:
    """The kind a file holds, from its headers (`--kind auto`)."""
    if mapping is not None and mapping.kind:
        return mapping.kind
    fields = {k: set(match_headers(headers, k, mapping)) for k in KINDS}
    if fields["follow_ups"] & {"occurred_at", "channel", "summary"}:
        return "follow_ups"
    if "signed_on" in fields["contracts"] or "amount" in fields["contracts"]:
        return "contracts"
    if fields["contacts"] & {"position", "phone", "email", "wechat", "decision_role"} \
            and "name" in fields["contacts"]:
        return "contacts"
    return max(KINDS, key=lambda k: len(fields[k]))


def recognised(headers: list[str]) -> int:
    """How many headers name a field of any kind (finds the header row of a sheet)."""
    indexes = [_header_index(k) for k in KINDS]
    return sum(1 for h in headers if h and any(norm(h) in ix for ix in indexes))


def absent_required(kind: str, columns: dict[str, str], mapping: Mapping | None = None) -> list[str]:
    """The required fields with neither a column nor a mapping default: every row will be
    rejected for each, so the page says it once for the file."""
    given = set(columns) | set(mapping.defaults if mapping else ())
    absent = [f.name for f in FIELDS[kind] if f.required and f.name not in given]
    if kind in NEEDS_KEY and not given & {"customer_name", "customer_uscc"}:
        absent.insert(0, "customer_name")
    return absent


def adjusted(base: Mapping | None, kind: str, columns: dict[str, str | None], defaults: dict[str, Any],
             values: dict[str, dict[str, str]] | None = None) -> Mapping:
    """A mapping file's (or none) with the import page's choices over it: a column of the file for
    a field (`columns`, None: none), a value every row gets for a field the file has no column for
    (`defaults`) and a code for a value the file writes its own way (`values`: Outbound → phone).
    Checked as a mapping file is; its formats are kept, and its defaults (a default fills a column's
    blank cells too)."""
    base = base or Mapping()
    merged = {f: dict(v) for f, v in base.values.items()}
    for f, more in (values or {}).items():
        merged[f] = {**merged.get(f, {}), **more}
    return Mapping.from_dict({"kind": kind, "columns": {**base.columns, **columns}, "values": merged,
                              "formats": base.formats, "defaults": {**base.defaults, **defaults}}, "mapping")


def unknown_values(column: pl.Series, field: Field, mapping: Mapping | None, limit: int = 30) -> list[str]:
    """The distinct cells of a choice field's column that are none of its values (nor translated by
    the mapping), as the file writes them: for the page to ask which code each is. None when the
    column has more than `limit` distinct values (free text, not a choice)."""
    cells = column.cast(pl.String).str.strip_chars().drop_nulls()
    distinct = [v for v in cells.unique(maintain_order=True).to_list() if v]
    if len(distinct) > limit:
        return []
    known = choice_values(field.choice)
    translated = {str(k) for k in (mapping.values.get(field.name) or {})} if mapping else set()
    return [v for v in distinct if norm(v) not in known and v not in translated]


def to_yaml(mapping: Mapping) -> str:
    """A mapping as a mapping file (examples/mappings/), for the next file of the same layout."""
    data = {"kind": mapping.kind, **{section: getattr(mapping, section)
                                     for section in ("columns", "values", "formats", "defaults")
                                     if getattr(mapping, section)}}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
