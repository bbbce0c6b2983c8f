"""Registers: each declares its Excel columns once, and the template, the import and the export all
come from that declaration.

A `Column` says what a header means (Chinese label, type, required, allowed values, validator). A
`Register` knows its model, its natural key (what makes a row "the same record" on re-import), what a
user may see (`queryset`), how a record becomes a row (`row_values`) and how validated rows are
written in bulk (`apply`). `REGISTERS` maps slugs to register instances; other apps add theirs with
`register()` from their own `imports.py`.

An import is all-or-nothing: `apply` first checks every row (cell types, required, allowed values,
validators, lookups, permissions, the model's own full_clean(), duplicate keys within the file) and
raises ImportRejected listing every problem; only a clean file is written, with bulk_create and
bulk_update and one audit event per created or changed record. The caller wraps it in a transaction.

Semantics worth knowing:
- A column missing from the header is left untouched on existing records (only required columns
  must be present); a column present with an empty cell clears that field (or sets its default).
- Columns marked `readonly` appear in exports for reading (e.g. the region's name next to its code)
  and are accepted but ignored on import; the template leaves them out.
"""

from __future__ import annotations

import dataclasses
import re
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import connections, models, router
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core import audit, permissions, selectors, services
from kechuang.core.creditcode import credit_code_error, normalise_credit_code
from kechuang.core.models import (
    IndustryClass,
    Organisation,
    OrganisationYear,
    Person,
    Region,
    SpecialtyTag,
)

from . import cells
from .report import ImportRejected, ImportResult, RowError

TEXT = "text"
INT = "int"
DECIMAL = "decimal"
DATE = "date"
BOOL = "bool"
CHOICE = "choice"
REGION = "region"
INDUSTRY = "industry"
REF_ORGANISATION = "ref-organisation"
TAGS = "tags"
COLUMN_TYPES = (TEXT, INT, DECIMAL, DATE, BOOL, CHOICE, REGION, INDUSTRY, REF_ORGANISATION, TAGS)
LOOKUP_TYPES = (REGION, INDUSTRY, REF_ORGANISATION)
BOOL_LABELS = ("是", "否")
HEADER_SEARCH_ROWS = 10  # the header is looked for among this many first non-empty rows
# The error column of the downloadable error report: ignored on import, so a user can fix the marked
# cells of that report and upload it again.
ERROR_COLUMN = "【导入错误说明】"
TAG_MAX_LENGTH = SpecialtyTag._meta.get_field("name").max_length or 30
CHUNK = 500


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Column:
    """One column of a register's spreadsheet.

    key: identifier, and the model field unless `field` says otherwise ("" = no single model field).
    label: the Chinese header, exactly as it appears in row 1 of the template.
    type: one of COLUMN_TYPES. choices: (stored value, Chinese label) pairs for CHOICE columns.
    validator: called with the parsed value; returns a Chinese error message or None.
    normalise: applied to the text of TEXT and REF_ORGANISATION cells before anything else.
    default: the value of an empty optional cell (None means blank/null).
    readonly: exported for reading only; ignored on import; not in the template.
    region_levels: the levels a REGION column accepts.
    scoped: a REGION column's region must lie in a county the importing user runs (False: anywhere, e.g.
    where an organisation outside the county is located).
    aliases: earlier headers of the column, still read (files made from an older template keep importing).
    """

    key: str
    label: str
    type: str = TEXT
    required: bool = False
    choices: tuple[tuple[Any, Any], ...] = ()
    validator: Callable[[Any], str | None] | None = None
    max_length: int | None = None
    help: Any = ""  # str or lazy translation
    field: str | None = None
    default: Any = None
    readonly: bool = False
    normalise: Callable[[str], str] | None = None
    region_levels: tuple[str, ...] = (Region.Level.COUNTY, Region.Level.TOWNSHIP)
    scoped: bool = True
    width: int = 16
    example: str = ""
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"unknown column type {self.type!r}")

    @property
    def model_field(self) -> str:
        return self.key if self.field is None else self.field

    @property
    def options(self) -> list[str]:
        """The allowed values as the user types them (for the drop-down list and messages)."""
        if self.type == BOOL:
            return list(BOOL_LABELS)
        return [str(label) for _value, label in self.choices]

    def describe(self) -> str:
        """What to type, for the template's comments and its 说明 sheet."""
        parts: list[str] = []
        if self.help:
            parts.append(str(self.help))
        default = {
            INT: _("整数。"),
            DECIMAL: _("数字。"),
            DATE: _("日期，如 2020-09-12、2020/9/12 或 2020年9月12日。"),
            BOOL: _("填“是”或“否”。"),
            CHOICE: _("从下拉列表选择：%(options)s。") % {"options": "、".join(self.options)},
            REGION: _("填写行政区划代码（县 6 位、乡镇（街道）9 位）或准确名称。"),
            INDUSTRY: _("国民经济行业分类（GB/T 4754-2017）4 位小类代码，如 3985。"),
            REF_ORGANISATION: _("已在“企业与机构”中登记的企业的统一社会信用代码。"),
            TAGS: _("多个标签用“、”或逗号分隔，每个不超过 %(n)d 字。") % {"n": TAG_MAX_LENGTH},
        }.get(self.type)
        if default and not self.help:
            parts.append(default)
        if self.max_length and self.type == TEXT:
            parts.append(_("不超过 %(n)d 字。") % {"n": self.max_length})
        if self.example:
            parts.append(_("例：%(e)s") % {"e": self.example})
        return "".join(parts)


@dataclass
class Row:
    """One data row of the uploaded sheet, as it goes through validation."""

    number: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    bad: set[str] = field(default_factory=set)
    key: tuple | None = None

    def error(self, column: Column | None, reason: str, *, label: str = "", value: Any = None) -> None:
        if column is not None:
            self.bad.add(column.key)
            label = label or column.label
            if value is None:
                value = self.raw.get(column.key)
        shown = cells.display(value) if value is not None else ""
        entry = RowError(self.number, label, shown[:200], str(reason))
        if entry not in self.errors:
            self.errors.append(entry)


@dataclass
class Plan:
    row: Row
    obj: Any
    action: str  # "create", "update" or "same"
    before: dict | None = None
    after: dict | None = None


@dataclass
class Table:
    """A sheet as read from the file: the header (row `header_row`) and the data rows with their
    Excel row numbers. Cells are raw calamine values."""

    header: list[Any]
    rows: list[tuple[int, list[Any]]]
    header_row: int = 1
    sheet: str = ""


class ImportContext:
    """Per-import lookups, loaded in bulk (one query per kind) before the rows are checked."""

    def __init__(self, register: Register, by: Any) -> None:
        self.register = register
        self.by = by
        self.regions: dict[str, Region] = {}
        self.regions_by_name: dict[str, list[Region]] = defaultdict(list)
        self.industries: dict[str, IndustryClass] = {}
        self.organisations: dict[str, Organisation] = {}
        self.changeable_organisations: set[int] | None = None  # None: every one (the CLI)
        # Register-specific per-import state (registers are shared singletons: keep state here).
        self.state: dict[str, Any] = {}

    def may_create_in(self, region: Region) -> bool:
        return self.by is None or permissions.can_create_in(self.by, region)

    def load(self, columns: Iterable[Column], rows: list[Row]) -> None:
        region_keys: set[str] = set()
        industry_keys: set[str] = set()
        org_keys: set[str] = set()
        for column in columns:
            bucket = {REGION: region_keys, INDUSTRY: industry_keys, REF_ORGANISATION: org_keys}.get(
                column.type
            )
            if bucket is None:
                continue
            for row in rows:
                value = row.values.get(column.key)
                if value:
                    bucket.add(value)
        if region_keys:
            codes = [k for k in region_keys if k.isdigit()]
            names = [k for k in region_keys if not k.isdigit()]
            for region in Region.objects.filter(Q(code__in=codes) | Q(name__in=names)).select_related(
                "parent"
            ):
                self.regions[region.code] = region
                self.regions_by_name[region.name].append(region)
        if industry_keys:
            self.industries = {i.code: i for i in IndustryClass.objects.filter(code__in=industry_keys)}
        if org_keys:
            codes = sorted(org_keys)
            for chunk in _chunks(codes):
                for org in Organisation.objects.filter(credit_code__in=chunk).select_related("region"):
                    self.organisations[org.credit_code] = org
            if self.by is not None:
                self.changeable_organisations = set()
                for chunk in _chunks(codes):
                    self.changeable_organisations.update(
                        Organisation.objects.filter(
                            permissions.organisation_filter(self.by, for_change=True), credit_code__in=chunk
                        ).values_list("pk", flat=True)
                    )

    # --- resolving one cell ---------------------------------------------------------------------

    def region(self, column: Column, key: str) -> Region:
        levels = column.region_levels
        level_names = "或".join(str(Region.Level(level).label) for level in levels)
        if key.isdigit():
            region = self.regions.get(key)
            if region is None:
                raise cells.CellError(_("找不到区划代码 %(code)s。") % {"code": key})
            candidates = [region]
        else:
            candidates = self.regions_by_name.get(key, [])
            if not candidates:
                raise cells.CellError(
                    _("找不到名为“%(name)s”的行政区划，请核对名称或改填区划代码。") % {"name": key}
                )
        fitting = [r for r in candidates if r.level in levels]
        if not fitting:
            raise cells.CellError(_("须为%(levels)s。") % {"levels": level_names})
        allowed = [r for r in fitting if not column.scoped or self.may_create_in(r)]
        if not allowed:
            raise cells.CellError(_("不在您管辖的县（市、区）内，不能导入。"))
        if len(allowed) > 1:
            listed = "、".join(
                f"{r.parent.name if r.parent else ''}{r.name}（{r.code}）" for r in allowed[:5]
            )
            raise cells.CellError(_("名称对应多个行政区划：%(list)s，请改填区划代码。") % {"list": listed})
        return allowed[0]

    def industry(self, key: str) -> IndustryClass:
        industry = self.industries.get(key)
        if industry is None:
            raise cells.CellError(
                _("找不到行业代码 %(code)s（应为 GB/T 4754-2017 的 4 位小类代码）。") % {"code": key}
            )
        if industry.level != IndustryClass.Level.CLASS:
            raise cells.CellError(
                _("行业须填到小类（4 位代码），“%(code)s %(name)s”是%(level)s。")
                % {
                    "code": key,
                    "name": industry.name,
                    "level": industry.get_level_display(),
                }
            )
        return industry

    def organisation(self, key: str) -> Organisation:
        org = self.organisations.get(key)
        if org is None:
            raise cells.CellError(_("未找到该统一社会信用代码的企业，请先在“企业与机构”中登记。"))
        if self.changeable_organisations is not None and org.pk not in self.changeable_organisations:
            raise cells.CellError(_("该企业不在您管辖的县（市、区）内，不能导入。"))
        return org


_CHOICE_LOOKUPS: dict[int, tuple[Column, dict[str, Any]]] = {}  # the column is kept: its id stays its own


def _choice_lookup(column: Column) -> dict[str, Any]:
    """Label (in any of the site's languages) or stored value → stored value, built once per column rather
    than per cell: the labels are lazy translations, and 100,000 rows made 300,000 gettext calls."""
    cached = _CHOICE_LOOKUPS.get(id(column))
    if cached is not None and cached[0] is column:
        return cached[1]
    lookup: dict[str, Any] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in column.choices:
                lookup.setdefault(str(label), value)
    for value, _label in column.choices:
        lookup[str(value).lower()] = value
    _CHOICE_LOOKUPS[id(column)] = (column, lookup)
    return lookup


def _update_many(model: type[models.Model], objs: list[Any], fields: list[str]) -> None:
    """UPDATE … WHERE pk = %s for each object, sent as one executemany() per chunk.

    QuerySet.bulk_update builds a CASE WHEN expression per row and field, which costs about a
    second per thousand rows in Python; executemany with plain parameters is several times faster
    on SQLite and PostgreSQL (psycopg pipelines it) and is still one statement per chunk."""
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    columns = [f for f in concrete if isinstance(f, models.Field)]
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in columns)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608 - names from the model, values bound
    for chunk in _chunks(objs, CHUNK):
        params = [
            [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
            + [meta.pk.get_db_prep_value(obj.pk, connection)]
            for obj in chunk
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def header_label(raw: Any) -> str:
    """A header cell as a label: spaces and a required mark (* or （必填）) removed."""
    label = re.sub(r"\s+", "", cells.to_text(raw)).rstrip("*＊")
    return label.removesuffix("（必填）").removesuffix("(必填)")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _region_key(text: str) -> str:
    """A division code typed in any of its common lengths (6, 9 or 12 digits) → the stored code."""
    code = re.sub(r"\s+", "", text)
    if not code.isdigit():
        return code
    if len(code) == 12:
        code = code[:9] if code[9:] == "000" else code
    if len(code) == 9 and code.endswith("000"):
        code = code[:6]
    return code


def _industry_key(value: Any) -> str:
    code = cells.to_code(value).upper()
    if re.fullmatch(r"[A-T]\d{4}", code):
        code = code[1:]
    if code.isdigit() and len(code) == 3:  # 0511 typed as a number comes back as 511.0
        code = code.zfill(4)
    return code


def _phone_key(phone: str) -> str:
    return re.sub(r"[^0-9+]", "", phone or "")


def _contact_keys(phone: str, landline: str, email: str) -> list[str]:
    """A person's contacts as matching keys, in the order a row's key is chosen (mobile first)."""
    keys = [f"m:{_phone_key(phone)}", f"t:{_phone_key(landline)}", f"e:{(email or '').strip().lower()}"]
    return [k for k in keys if len(k) > 2]


class Register(ABC):
    """Base class: subclasses set the class attributes and override the hooks they need."""

    slug: ClassVar[str] = ""
    label: ClassVar[str] = ""
    model: ClassVar[type[models.Model]]
    columns: tuple[Column, ...] = ()
    natural_key: ClassVar[tuple[str, ...]] = ()
    # The column a duplicate natural key is reported on (default: the key's first column).
    duplicate_column: ClassVar[str] = ""
    natural_key_help: ClassVar[Any] = ""
    non_field_label: ClassVar[str] = "（整行）"
    # Rows one file may hold; None: the IMPORT_MAX_ROWS setting (bulk statistical registers allow more).
    max_rows: ClassVar[int | None] = None
    # Columns a sheet may use beyond the register's own (blank columns on the left, a stray note):
    # a wider sheet is refused while it is read, before it is held in memory.
    extra_columns: ClassVar[int] = 10

    def __init__(self) -> None:
        keys = [c.key for c in self.columns]
        labels = [c.label for c in self.columns]
        if len(set(keys)) != len(keys) or len(set(labels)) != len(labels):
            raise ValueError(f"{self.slug}: duplicate column key or label")
        if not set(self.natural_key) <= set(keys):
            raise ValueError(f"{self.slug}: natural key must name columns")
        # Text columns inherit the model field's max_length unless they declare their own.
        fixed = []
        for column in self.columns:
            if column.type == TEXT and column.max_length is None and column.model_field:
                max_length = getattr(self._field(column.model_field), "max_length", None)
                if max_length:
                    column = dataclasses.replace(column, max_length=max_length)
            fixed.append(column)
        self.columns = tuple(fixed)

    def __repr__(self) -> str:
        return f"<Register {self.slug}>"

    # --- declaration views ----------------------------------------------------------------------

    @property
    def sheet_name(self) -> str:
        return self.label[:31]

    @property
    def row_limit(self) -> int:
        """Data rows one file may hold."""
        return self.max_rows or settings.IMPORT_MAX_ROWS

    @property
    def max_columns(self) -> int:
        """The widest sheet read for this register (its columns, read-only ones included, and some room)."""
        return len(self.columns) + self.extra_columns

    @property
    def template_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.readonly]

    @property
    def export_columns(self) -> list[Column]:
        return list(self.columns)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def natural_key_labels(self) -> list[str]:
        return [self.column(k).label for k in self.natural_key]

    # --- reading side ---------------------------------------------------------------------------

    def base_queryset(self) -> QuerySet:
        return self.model._default_manager.all()

    def queryset(self, user: Any) -> QuerySet:
        """What `user` may see (everything for the CLI, user None)."""
        qs = self.base_queryset()
        return qs if user is None else permissions.visible(user, qs)

    def may_import(self, user: Any) -> bool:
        """Bureau staff import every register; a register enterprises keep themselves says so here."""
        return permissions.can_import(user)

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        """The records the register's list page shows for these query parameters (so "export" can
        export what is on screen), or None when the register has no list filters."""
        return None

    def export_value(self, column: Column, obj: Any, user: Any) -> Any:
        value = getattr(obj, column.model_field) if column.model_field else None
        if column.type == BOOL:
            return "是" if value else "否"
        if column.type == CHOICE:
            return str(dict(column.choices).get(value, value or ""))
        if column.type in (REGION, INDUSTRY):
            return getattr(obj, f"{column.model_field}_id") or ""
        if column.type == TAGS:
            return "、".join(t.name for t in value.all()) if value is not None else ""
        return value

    def row_values(self, obj: Any, user: Any = None) -> list[Any]:
        return [self.export_value(c, obj, user) for c in self.export_columns]

    # --- header ---------------------------------------------------------------------------------

    def match_header(
        self, header: list[Any], header_row: int = 1
    ) -> tuple[dict[int, Column], list[RowError]]:
        """Map header positions to columns; report unknown, duplicate and missing required columns."""
        by_label = {alias: c for c in self.columns for alias in c.aliases}
        by_label.update({c.label: c for c in self.columns})
        mapping: dict[int, Column] = {}
        errors: list[RowError] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(header):
            label = header_label(raw)
            if not label or label == ERROR_COLUMN:
                continue
            column = by_label.get(label)
            if column is None:
                errors.append(
                    RowError(
                        header_row,
                        label,
                        "",
                        _("无法识别的列名（第 %(n)d 列），请使用模板中的列名：%(labels)s。")
                        % {
                            "n": index + 1,
                            "labels": "、".join(c.label for c in self.template_columns),
                        },
                    )
                )
                continue
            if column.key in seen:  # the same column twice, under its header or an earlier one
                errors.append(
                    RowError(
                        header_row,
                        label,
                        "",
                        _("列名重复（第 %(a)d 列与第 %(b)d 列）。")
                        % {"a": seen[column.key] + 1, "b": index + 1},
                    )
                )
                continue
            seen[column.key] = index
            if not column.readonly:
                mapping[index] = column
        present = {c.key for c in mapping.values()}
        for column in self.columns:
            if column.required and column.key not in present and not column.readonly:
                errors.append(
                    RowError(
                        header_row, column.label, "", _("缺少必填列“%(label)s”。") % {"label": column.label}
                    )
                )
        return mapping, errors

    def check_header(self, header: list[Any], header_row: int = 1) -> dict[int, Column]:
        """The header's mapping, or ImportRejected listing its problems."""
        mapping, errors = self.match_header(header, header_row)
        if errors:
            raise ImportRejected(
                errors,
                _("文件未导入：表头有 %(n)d 处问题，请使用本系统下载的模板。") % {"n": len(errors)},
            )
        return mapping

    def header_position(self, filled: Sequence[tuple[int, list[Any]]]) -> int:
        """Which of the first non-empty rows is the header: the first naming at least one of the
        register's columns (a title row above it, common in hand-made sheets, is skipped); failing
        that, the first."""
        labels = {label for c in self.columns for label in (c.label, *c.aliases)}
        return next(
            (
                i
                for i, (_n, row) in enumerate(filled[:HEADER_SEARCH_ROWS])
                if any(header_label(v) in labels for v in row)
            ),
            0,
        )

    def unnamed_data(self, table: Table) -> list[RowError]:
        """Data under a column without a header would be silently lost: report it."""
        named = {i for i, raw in enumerate(table.header) if header_label(raw)}
        first: dict[int, int] = {}
        for number, values in table.rows:
            for index, value in enumerate(values):
                if index not in named and index not in first and not cells.is_blank(value):
                    first[index] = number
        return [
            RowError(
                table.header_row,
                _("第 %(col)s 列") % {"col": column_letter(index)},
                "",
                _("该列有数据（如第 %(row)d 行）但没有列名，请补上列名或删除该列的数据。") % {"row": number},
            )
            for index, number in sorted(first.items())
        ]

    # --- parsing one cell -----------------------------------------------------------------------

    def parse(self, column: Column, raw: Any) -> Any:
        """Raw cell → value, or None for an empty cell. Lookup columns give a normalised key here
        and are resolved against the database later, in bulk."""
        kind = column.type
        if kind == INT:
            return cells.to_int(raw)
        if kind == DECIMAL:
            return cells.to_decimal(raw)
        if kind == DATE:
            return cells.to_date(raw)
        if kind == BOOL:
            return cells.to_bool(raw)
        if kind == INDUSTRY:
            return _industry_key(raw) or None
        if kind == TAGS:
            tags = cells.split_list(raw)
            too_long = [t for t in tags if len(t) > TAG_MAX_LENGTH]
            if too_long:
                raise cells.CellError(
                    _("标签“%(t)s”超过 %(n)d 个字。") % {"t": too_long[0], "n": TAG_MAX_LENGTH}
                )
            return tags or None
        text = cells.to_text(raw)
        if column.normalise is not None:
            text = column.normalise(text)
        if not text:
            return None
        if kind == TEXT:
            return text
        if kind == REGION:
            return _region_key(text)
        if kind == REF_ORGANISATION:
            return normalise_credit_code(text)
        if kind == CHOICE:
            lookup = _choice_lookup(column)
            if text in lookup:
                return lookup[text]
            if text.lower() in lookup:
                return lookup[text.lower()]
            raise cells.CellError(
                _("不在可选范围内，可选：%(options)s。") % {"options": "、".join(column.options)}
            )
        raise AssertionError(kind)

    def read_row(self, number: int, cells_: list[Any], mapping: dict[int, Column]) -> Row:
        raw = {
            column.key: (cells_[index] if index < len(cells_) else None) for index, column in mapping.items()
        }
        row = Row(number=number, raw=raw)
        for column in mapping.values():
            value = raw[column.key]
            try:
                parsed = None if cells.is_blank(value) else self.parse(column, value)
            except cells.CellError as exc:
                row.error(column, str(exc))
                continue
            if parsed is None:
                if column.required:
                    row.error(column, _("必填，不能为空。"))
                    continue
                parsed = column.default
            elif column.type == TEXT and column.max_length and len(parsed) > column.max_length:
                row.error(
                    column,
                    _("不能超过 %(n)d 个字（现为 %(m)d 个）。") % {"n": column.max_length, "m": len(parsed)},
                )
                continue
            row.values[column.key] = parsed
        return row

    def resolve(self, ctx: ImportContext, row: Row, present: list[Column]) -> None:
        for column in present:
            if column.type not in LOOKUP_TYPES or column.key in row.bad:
                continue
            key = row.values.get(column.key)
            if key is None:
                continue
            try:
                if column.type == REGION:
                    row.values[column.key] = ctx.region(column, key)
                elif column.type == INDUSTRY:
                    row.values[column.key] = ctx.industry(key)
                else:
                    row.values[column.key] = ctx.organisation(key)
            except cells.CellError as exc:
                row.error(column, str(exc))

    # --- hooks for subclasses -------------------------------------------------------------------

    def key_of(self, row: Row) -> tuple | None:
        """The row's natural key, or None when a part of it is missing or wrong."""
        if any(k in row.bad or row.values.get(k) is None for k in self.natural_key):
            return None
        return tuple(self._key_part(row.values[k]) for k in self.natural_key)

    @staticmethod
    def _key_part(value: Any) -> Any:
        return value.pk if isinstance(value, models.Model) else value

    @abstractmethod
    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        """The records already stored under the rows' natural keys (each register knows its own)."""

    def new_instance(self) -> Any:
        return self.model()

    def check_row(self, ctx: ImportContext, row: Row, obj: Any, exists: bool) -> None:
        """Register-specific checks (permissions on existing records and the like); none by default."""
        return None

    def validator_applies(self, column: Column, obj: Any, exists: bool) -> bool:
        return True

    def _field(self, name: str) -> models.Field | None:
        try:
            found = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        return found if isinstance(found, models.Field) else None

    def assign(self, ctx: ImportContext, row: Row, obj: Any, present: list[Column]) -> None:
        for column in present:
            if column.key in row.bad or not column.model_field or column.type == TAGS:
                continue
            value = row.values.get(column.key)
            model_field = self._field(column.model_field)
            if (
                value is None
                and model_field is not None
                and not model_field.null
                and not model_field.is_relation
            ):
                value = (
                    ""
                    if isinstance(model_field, models.CharField | models.TextField)
                    else model_field.get_default()
                )
            setattr(obj, column.model_field, value)

    def update_fields(self, present: list[Column]) -> list[str]:
        names = [c.model_field for c in present if c.model_field and c.type != TAGS]
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            names.append("updated_at")
        return list(dict.fromkeys(names))

    def clean_exclude(self, present: list[Column]) -> set[str]:
        """Fields full_clean() must skip: relations (resolved and checked in bulk already; the
        per-row existence query of ForeignKey.validate would cost one query a row)."""
        return {f.name for f in self.model._meta.concrete_fields if f.is_relation}

    def save_related(self, ctx: ImportContext, plans: list[Plan], present: list[Column]) -> None:
        """Write many-to-many values after the rows themselves were saved; none by default."""
        return None

    def snapshot(self, obj: Any) -> dict[str, Any]:
        return audit.snapshot(obj)

    # --- the import -----------------------------------------------------------------------------

    def read_rows(self, table: Table, *, by: Any) -> tuple[ImportContext, list[Row], dict[int, Column]]:
        """Check the header and the size, read every row and resolve its references. Raises
        ImportRejected for a file that can't be read as this register at all."""
        mapping, header_errors = self.match_header(table.header, table.header_row)
        header_errors += self.unnamed_data(table)
        if header_errors:
            raise ImportRejected(
                header_errors,
                _("文件未导入：表头有 %(n)d 处问题，请使用本系统下载的模板。") % {"n": len(header_errors)},
            )
        present = list(mapping.values())
        max_rows = self.row_limit
        if len(table.rows) > max_rows:
            raise ImportRejected.file(
                _("文件超过 %(limit)s 行：共有 %(n)s 行数据，超过单次导入上限，请分批导入。")
                % {"n": f"{len(table.rows):,}", "limit": f"{max_rows:,}"}
            )
        rows = [self.read_row(number, values, mapping) for number, values in table.rows]
        if not rows:
            raise ImportRejected.file(_("文件中没有数据行（第 1 行为表头，数据从第 2 行开始）。"))

        ctx = ImportContext(self, by)
        ctx.load(present, rows)
        for row in rows:
            self.resolve(ctx, row, present)
        return ctx, rows, mapping

    def apply(self, table: Table, *, by: Any) -> ImportResult:
        """Validate every row and, only if all are good, write them in bulk. Raise ImportRejected
        with every problem otherwise. The caller provides the transaction."""
        ctx, rows, mapping = self.read_rows(table, by=by)
        present = list(mapping.values())

        first_seen: dict[tuple, int] = {}
        for row in rows:
            row.key = self.key_of(row)
            if row.key is None:
                continue
            if row.key in first_seen:
                key_column = self.column(self.duplicate_column or self.natural_key[0])
                row.error(
                    key_column,
                    _("与第 %(n)d 行重复（%(key)s相同），同一文件中每条记录只能出现一次。")
                    % {"n": first_seen[row.key], "key": "、".join(self.natural_key_labels)},
                )
            else:
                first_seen[row.key] = row.number

        existing = self.fetch_existing(ctx, [r for r in rows if r.key is not None])
        plans: list[Plan] = []
        exclude_always = self.clean_exclude(present)
        label_of_field = {c.model_field: c.label for c in present if c.model_field}
        for row in rows:
            matches = existing.get(row.key, []) if row.key is not None else []
            if len(matches) > 1:
                row.error(
                    None,
                    _("系统中已有 %(n)d 条%(key)s相同的记录，无法确定更新哪一条，请先在系统中合并。")
                    % {"n": len(matches), "key": "、".join(self.natural_key_labels)},
                    label=self.natural_key_labels[0],
                )
                continue
            exists = bool(matches)
            obj = matches[0] if exists else self.new_instance()
            before = self.snapshot(obj) if exists else None
            for column in present:
                value = row.values.get(column.key)
                if (
                    column.validator is not None
                    and value is not None
                    and column.key not in row.bad
                    and self.validator_applies(column, obj, exists)
                ):
                    message = column.validator(value)
                    if message:
                        row.error(column, message)
            self.check_row(ctx, row, obj, exists)
            self.assign(ctx, row, obj, present)
            bad_fields = {self.column(k).model_field for k in row.bad}
            try:
                obj.full_clean(
                    exclude=exclude_always | bad_fields, validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    if name in bad_fields:
                        continue
                    if name == NON_FIELD_ERRORS:
                        label = self.non_field_label
                    else:
                        model_field = self._field(name)
                        label = label_of_field.get(name) or str(
                            model_field.verbose_name if model_field else name
                        )
                    owner = next((c for c in present if c.model_field == name), None)
                    for message in messages:
                        row.error(owner, message, label=label)
            if row.errors:
                continue
            after = self.snapshot(obj) if exists else None
            if exists:
                b, a = audit.changed_only(before, after)
                plans.append(Plan(row, obj, "update" if a else "same", b, a))
            else:
                plans.append(Plan(row, obj, "create"))

        errors = [e for row in rows for e in row.errors]
        if errors:
            # In sheet order: by row, then by column as they stand in the header.
            position = {column.label: index for index, column in mapping.items()}
            errors.sort(key=lambda e: (e.row or 0, position.get(e.column, len(position))))
            raise ImportRejected(errors)
        return self.write(ctx, plans, present, by=by, rows=len(rows))

    def bulk_update(self, updated: list[Plan], allowed: list[str]) -> None:
        """Update only the fields that changed, grouped by the set of changed fields: a typical
        re-import (a column or two edited) writes just those columns."""
        name_of = {f.attname: f.name for f in self.model._meta.concrete_fields}
        stamp = "updated_at" in allowed
        now = timezone.now()
        groups: dict[tuple[str, ...], list[Any]] = defaultdict(list)
        for plan in updated:
            changed = {name_of[k] for k in plan.after or {} if k in name_of} & set(allowed)
            changed.discard("updated_at")
            if stamp:
                plan.obj.updated_at = now
                changed.add("updated_at")
            if changed:
                groups[tuple(sorted(changed))].append(plan.obj)
        for fields, objs in groups.items():
            _update_many(self.model, objs, list(fields))

    def write(
        self, ctx: ImportContext, plans: list[Plan], present: list[Column], *, by: Any, rows: int
    ) -> ImportResult:
        created = [p.obj for p in plans if p.action == "create"]
        updated = [p for p in plans if p.action == "update"]
        manager = self.model._default_manager
        manager.bulk_create(created, batch_size=CHUNK)
        if updated:
            self.bulk_update(updated, self.update_fields(present))
        self.save_related(ctx, plans, present)
        events = [
            audit.build("create", by=by, obj=p.obj, after=self.snapshot(p.obj))
            for p in plans
            if p.action == "create"
        ]
        events += [audit.build("update", by=by, obj=p.obj, before=p.before, after=p.after) for p in updated]
        audit.record_many(events)
        return ImportResult(
            register=self.slug,
            label=self.label,
            rows=rows,
            created=len(created),
            updated=len(updated),
            unchanged=sum(1 for p in plans if p.action == "same"),
            created_ids=[obj.pk for obj in created],
            updated_ids=[p.obj.pk for p in updated],
        )


# --- the core registers -----------------------------------------------------------------------------


def _credit_code_validator(value: str) -> str | None:
    return credit_code_error(value)


class OrganisationRegister(Register):
    slug = "organisations"

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        return selectors.organisation_list(user=user, **selectors.organisation_filters(params))

    label = "企业与机构"
    model = Organisation
    natural_key = ("credit_code",)
    natural_key_help = _lazy("按“统一社会信用代码”匹配：系统中已有该代码的单位则更新，否则新增。")
    columns = (
        Column("name", "名称", required=True, width=30, example="开化县某某科技有限公司"),
        Column(
            "credit_code",
            "统一社会信用代码",
            required=True,
            validator=_credit_code_validator,
            normalise=normalise_credit_code,
            width=22,
            help=_lazy("18 位，末位为校验位（不使用 I、O、S、V、Z）。"),
            example="91330824MA2D4K7P0Y",
        ),
        Column(
            "kind",
            "类型",
            type=CHOICE,
            choices=tuple(Organisation.Kind.choices),
            default=Organisation.Kind.ENTERPRISE,
            help=_lazy("从下拉列表选择，留空默认为“企业”。"),
            width=12,
        ),
        Column(
            "region",
            "所在地",
            type=REGION,
            required=True,
            region_levels=tuple(Region.Level.values),
            scoped=False,
            width=14,
            help=_lazy(
                "单位实际所在地的区划代码（6 位或 9 位）或准确名称：本县的县或乡镇（街道）；县外单位"
                "（高校、科研院所、上级主管部门、外地企业）填其所在的省、市或县（市、区）。"
            ),
            example="330824 或 华埠镇",
        ),
        Column("region_name", "所在地名称", readonly=True, field="", width=20),
        Column("industry", "行业代码", type=INDUSTRY, width=10, example="3985"),
        Column("industry_name", "行业名称", readonly=True, field="", width=24),
        Column("size", "规模", type=CHOICE, choices=tuple(Organisation.Size.choices), width=8),
        Column("established_on", "成立日期", type=DATE, width=12, example="2020-09-12"),
        Column("address", "地址", width=30),
        Column("contact_name", "联系人", width=10),
        Column("contact_phone", "联系电话", width=16),
        Column("contact_email", "电子邮箱", width=22),
        Column(
            "county",
            "登记县",
            type=REGION,
            region_levels=(Region.Level.COUNTY,),
            width=12,
            help=_lazy(
                "在哪个县（市、区）的名录中登记，须为您管辖的县；留空时记入所在地所在的县，所在地为省、市的"
                "记入您所在的县。县外单位（如位于杭州市西湖区的浙江大学）请填本县。"
            ),
            example="330824 或 开化县",
        ),
    )

    def base_queryset(self) -> QuerySet:
        return Organisation.objects.select_related("region__parent", "industry").order_by(
            "region_id", "name", "pk"
        )

    def export_value(self, column: Column, obj: Any, user: Any) -> Any:
        if column.key == "region_name":
            region = obj.region
            parent = region.parent if region.level == Region.Level.TOWNSHIP and region.parent else None
            return f"{parent.name}{region.name}" if parent else region.name
        if column.key == "industry_name":
            return obj.industry.name if obj.industry_id else ""
        return super().export_value(column, obj, user)

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        codes = sorted({row.key[0] for row in rows if row.key})
        found: dict[tuple, list[Any]] = {}
        for chunk in _chunks(codes):
            # Locked until the import commits, so a page save in between can't be overwritten (PostgreSQL;
            # SQLite's IMMEDIATE transaction already keeps other writers out).
            matched = Organisation.objects.filter(credit_code__in=chunk).select_for_update(of=("self",))
            for org in matched.select_related("region", "industry"):
                found[(org.credit_code,)] = [org]
        if ctx.by is not None and found:
            allowed: set[int] = set()
            for chunk in _chunks(codes):
                allowed.update(
                    Organisation.objects.filter(
                        permissions.organisation_filter(ctx.by, for_change=True), credit_code__in=chunk
                    ).values_list("pk", flat=True)
                )
            ctx.state["changeable"] = allowed
        return found

    def validator_applies(self, column: Column, obj: Any, exists: bool) -> bool:
        # A legacy code accepted by county staff (with a written reason) is kept as it is.
        return not (column.key == "credit_code" and exists and obj.credit_code_exception)

    def check_row(self, ctx: ImportContext, row: Row, obj: Any, exists: bool) -> None:
        changeable = ctx.state.get("changeable")
        if exists and changeable is not None and obj.pk not in changeable:
            row.error(
                self.column("credit_code"),
                _("该统一社会信用代码已由其他县（市、区）登记，您无权修改该单位。"),
            )

    def assign(self, ctx: ImportContext, row: Row, obj: Any, present: list[Column]) -> None:
        super().assign(ctx, row, obj, present)
        if "region" in row.bad or "county" in row.bad or not obj.region_id:
            return
        keys = {c.key for c in present}
        if row.values.get("county") is None and (obj.pk is None or "county" in keys):
            # Left blank: the register the service would choose (the located county, or the importer's).
            obj.county = services.organisation_default_county(by=ctx.by, region=obj.region)
            if obj.county is None:
                row.error(
                    self.column("county") if "county" in keys else None,
                    _("所在地为省、市级，无法确定记入哪个县的名录：请填写“登记县”。"),
                    label=str(self.column("county").label),
                )
            elif not ctx.may_create_in(obj.county):
                row.error(
                    self.column("region"),
                    _(
                        "所在地在%(county)s，不在您管辖的县内；如为本县登记的县外单位，请在“登记县”中填写本县。"
                    )
                    % {"county": obj.county.name},
                )


class PersonRegister(Register):
    slug = "people"

    def filtered(self, user: Any, params: Any) -> QuerySet | None:
        return selectors.person_list(user=user, **selectors.person_filters(params))

    label = "专家与人员"
    model = Person
    natural_key = ("county", "name")
    natural_key_help = _lazy(
        "按“所属县 + 姓名 + 联系方式”匹配：同一县人才库中已有同名、且手机（或未填手机时的固定电话、"
        "电子邮箱）相同的人员则更新，否则新增（电话比较时忽略空格和连字符，邮箱不区分大小写）。"
    )
    non_field_label = "身份"
    duplicate_column = "name"
    columns = (
        Column("name", "姓名", required=True, width=10),
        Column(
            "phone",
            "手机",
            width=14,
            help=_lazy("手机、固定电话、电子邮箱至少填一项，用于联系和识别同一人员。"),
            example="13800000000",
        ),
        Column("gender", "性别", type=CHOICE, choices=tuple(Person.Gender.choices), width=6),
        Column(
            "county",
            "所属县",
            type=REGION,
            required=True,
            region_levels=(Region.Level.COUNTY,),
            width=12,
            help=_lazy("人员所属县（人才库）的 6 位区划代码或县名；须为您管辖的县。"),
            example="330824 或 开化县",
        ),
        Column(
            "workplace",
            "工作单位",
            field="",
            max_length=100,
            width=24,
            help=_lazy("与本平台已登记单位名称完全一致时自动关联该单位。"),
        ),
        Column("title", "职称", width=12),
        Column("position", "职务", width=12),
        Column("specialties", "专业特长", width=30),
        Column("tags", "专业标签", type=TAGS, width=20, example="茶叶、植物保护"),
        Column("is_expert", "专家", type=BOOL, default=False, width=8),
        Column("is_commissioner", "科技特派员", type=BOOL, default=False, width=10),
        Column("is_talent", "人才", type=BOOL, default=False, width=8),
        Column("is_contact", "联系人", type=BOOL, default=False, width=8),
        Column("landline", "固定电话", width=14, example="0570-6012345"),
        Column("email", "电子邮箱", width=22),
    )

    def base_queryset(self) -> QuerySet:
        return (
            Person.objects.select_related("county", "organisation")
            .prefetch_related("tags")
            .order_by("county_id", "name", "pk")
        )

    def export_value(self, column: Column, obj: Any, user: Any) -> Any:
        if column.key == "workplace":
            return obj.workplace
        if (
            column.key in ("phone", "landline", "email")
            and user is not None
            and not permissions.can_see_contacts(user, obj)
        ):
            return ""
        return super().export_value(column, obj, user)

    @property
    def natural_key_labels(self) -> list[str]:
        return [*super().natural_key_labels, str(_("联系方式"))]

    def check_row(self, ctx: ImportContext, row: Row, obj: Any, exists: bool) -> None:
        if not exists:
            return
        # Two rows may find one person by different contacts (one by mobile, one by e-mail).
        first = ctx.state.setdefault("matched", {}).setdefault(obj.pk, row.number)
        if first != row.number:
            row.error(
                self.column("name"),
                _(
                    "与第 %(n)d 行是同一人员（所属县、姓名相同，联系方式之一相同），同一文件中每人只能出现一次。"
                )
                % {"n": first},
            )

    def key_of(self, row: Row) -> tuple | None:
        """(county, name, contact): the mobile, else the landline, else the e-mail. A row with none of
        them has no key (the person's own validation says a way to reach them is needed)."""
        key = super().key_of(row)
        if key is None or {"phone", "landline", "email"} & row.bad:
            return None
        contacts = _contact_keys(
            row.values.get("phone") or "", row.values.get("landline") or "", row.values.get("email") or ""
        )
        return (*key, contacts[0]) if contacts else None

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        found: dict[tuple, list[Any]] = defaultdict(list)
        pairs = sorted({(row.key[0], row.key[1]) for row in rows if row.key})
        by_county: dict[str, list[str]] = defaultdict(list)
        for county, name in pairs:
            by_county[county].append(name)
        for county, names in by_county.items():
            for chunk in _chunks(sorted(names)):
                qs = (
                    Person.objects.filter(county_id=county, name__in=chunk)
                    .select_for_update(of=("self",))  # locked until the import commits (see above)
                    .select_related("county", "organisation")
                )
                for person in qs.prefetch_related("tags"):
                    # Found by whichever of its contacts a row gives first.
                    for contact in _contact_keys(person.phone, person.landline, person.email):
                        found[(person.county_id, person.name, contact)].append(person)
        # Work places typed by name: link the organisation when exactly one visible one has that name.
        names = sorted({row.values["workplace"] for row in rows if row.values.get("workplace")})
        workplaces: dict[str, list[Organisation]] = defaultdict(list)
        for chunk in _chunks(names):
            orgs = Organisation.objects.filter(name__in=chunk)
            if ctx.by is not None:
                orgs = permissions.visible(ctx.by, orgs)
            for org in orgs:
                workplaces[org.name].append(org)
        ctx.state["workplaces"] = workplaces
        return found

    def assign(self, ctx: ImportContext, row: Row, obj: Any, present: list[Column]) -> None:
        super().assign(ctx, row, obj, present)
        keys = {c.key for c in present}
        if "workplace" in keys and "workplace" not in row.bad:
            name = row.values.get("workplace") or ""
            orgs = ctx.state.get("workplaces", {}).get(name, []) if name else []
            if len(orgs) == 1:
                obj.organisation, obj.organisation_name = orgs[0], ""
            else:
                obj.organisation, obj.organisation_name = None, name
        if "tags" in keys and "tags" not in row.bad:
            names = row.values.get("tags") or []
            # The snapshot reads tags from the prefetch cache: no query, and unsaved tags are fine.
            if not hasattr(obj, "_prefetched_objects_cache"):
                obj._prefetched_objects_cache = {}
            obj._prefetched_objects_cache["tags"] = [SpecialtyTag(name=n) for n in sorted(names)]
            obj._import_tags = sorted(names)
        elif obj.pk is None:
            obj._prefetched_objects_cache = {"tags": []}

    def update_fields(self, present: list[Column]) -> list[str]:
        names = super().update_fields(present)
        if any(c.key == "workplace" for c in present):
            names += ["organisation", "organisation_name"]
        return list(dict.fromkeys(names))

    def save_related(self, ctx: ImportContext, plans: list[Plan], present: list[Column]) -> None:
        if not any(c.key == "tags" for c in present):
            return
        targets = [
            p.obj
            for p in plans
            if hasattr(p.obj, "_import_tags")
            and (p.action == "create" or (p.action == "update" and "tags" in (p.after or {})))
        ]
        if not targets:
            return
        names = sorted({n for obj in targets for n in obj._import_tags})
        tags: dict[str, SpecialtyTag] = {}
        for chunk in _chunks(names):
            tags.update({t.name: t for t in SpecialtyTag.objects.filter(name__in=chunk)})
        missing = [SpecialtyTag(name=n) for n in names if n not in tags]
        if missing:
            SpecialtyTag.objects.bulk_create(missing, batch_size=CHUNK, ignore_conflicts=True)
            for chunk in _chunks([t.name for t in missing]):
                tags.update({t.name: t for t in SpecialtyTag.objects.filter(name__in=chunk)})
        through = Person.tags.through
        existing_ids = [obj.pk for obj in targets if obj.pk is not None]
        for chunk in _chunks(existing_ids):
            through.objects.filter(person_id__in=chunk).delete()
        links = [
            through(person_id=obj.pk, specialtytag_id=tags[n].pk) for obj in targets for n in obj._import_tags
        ]
        through.objects.bulk_create(links, batch_size=CHUNK)
        for obj in targets:
            obj._prefetched_objects_cache["tags"] = [tags[n] for n in obj._import_tags]


class PerOrganisationRegister(Register):
    """A register of per-enterprise rows, whose sheet names the enterprise by its credit code (column
    `organisation`) and shows its name beside it (`organisation_name`, read-only)."""

    def organisation_of(self, obj: Any) -> Organisation:
        return obj.organisation

    def export_value(self, column: Column, obj: Any, user: Any) -> Any:
        if column.key == "organisation":
            return self.organisation_of(obj).credit_code
        if column.key == "organisation_name":
            return self.organisation_of(obj).name
        return super().export_value(column, obj, user)


class OrganisationYearRegister(PerOrganisationRegister):
    slug = "organisation_years"
    label = "规上企业名录"
    model = OrganisationYear
    natural_key = ("organisation", "year")
    natural_key_help = _lazy("按“统一社会信用代码 + 年度”匹配：该企业该年度已有记录则更新，否则新增。")
    columns = (
        Column(
            "organisation",
            "统一社会信用代码",
            type=REF_ORGANISATION,
            required=True,
            width=22,
            help=_lazy("已在“企业与机构”中登记、且在您管辖县内的企业的统一社会信用代码。"),
        ),
        Column("organisation_name", "企业名称", readonly=True, field="", width=30),
        Column(
            "year",
            "年度",
            type=INT,
            required=True,
            width=8,
            example="2024",
            validator=lambda y: None if 1990 <= y <= 2100 else _("年度须在 1990–2100 之间。"),
        ),
        Column(
            "is_above_scale",
            "是否规上",
            type=BOOL,
            required=True,
            width=10,
            help=_lazy("该年度是否为规模以上工业企业：填“是”或“否”。"),
        ),
    )

    def base_queryset(self) -> QuerySet:
        return OrganisationYear.objects.select_related("organisation").order_by(
            "-year", "organisation__name", "pk"
        )

    def queryset(self, user: Any) -> QuerySet:
        qs = self.base_queryset()
        if user is None:
            return qs
        return qs.filter(organisation__in=permissions.visible(user, Organisation.objects.all()))

    def fetch_existing(self, ctx: ImportContext, rows: list[Row]) -> dict[tuple, list[Any]]:
        found: dict[tuple, list[Any]] = {}
        org_ids = sorted({row.key[0] for row in rows if row.key})
        years = sorted({row.key[1] for row in rows if row.key})
        orgs = {row.values["organisation"].pk: row.values["organisation"] for row in rows if row.key}
        for chunk in _chunks(org_ids):
            for item in OrganisationYear.objects.filter(organisation_id__in=chunk, year__in=years):
                item.organisation = orgs[item.organisation_id]
                found[(item.organisation_id, item.year)] = [item]
        return found


# --- the registry -----------------------------------------------------------------------------------

REGISTERS: dict[str, Register] = {}


def register(instance: Register) -> Register:
    """Add a register (other apps call this from their imports.py)."""
    if instance.slug in REGISTERS:
        raise ValueError(f"register {instance.slug!r} already exists")
    REGISTERS[instance.slug] = instance
    return instance


def get_register(slug: str) -> Register:
    try:
        return REGISTERS[slug]
    except KeyError:
        raise KeyError(
            _("没有名为“%(slug)s”的数据表，可选：%(all)s。") % {"slug": slug, "all": "、".join(REGISTERS)}
        ) from None


for _register in (OrganisationRegister(), PersonRegister(), OrganisationYearRegister()):
    register(_register)

# Unused names kept importable for other apps' registers.
__all__ = [
    "BOOL",
    "CHOICE",
    "DATE",
    "DECIMAL",
    "INDUSTRY",
    "INT",
    "REF_ORGANISATION",
    "REGION",
    "REGISTERS",
    "TAGS",
    "TEXT",
    "Column",
    "ImportContext",
    "PerOrganisationRegister",
    "Register",
    "Row",
    "Table",
    "get_register",
    "register",
]
