"""The one registry of report figures (DESIGN.md, "Figures with provenance"). A figure is a function of
(scope, period) returning its value, display text and evidence — the records it counts. The annual
summary, dashboards, the API and exports all read figures from here, so a number is computed once.

Each app declares its figures in `<app>/figures.py` with the `@figure` decorator, and the default prose
of its summary sections in `<app>/sections.py` with `section_prose`; both are loaded when Django starts,
so a stream contributes its part of the summary without reports knowing the stream."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from kechuang.core.models import Region

SECTIONS = {
    1: "政策激励",
    2: "创新主体培育",
    3: "科技计划项目",
    4: "R&D 经费投入",
    5: "科技特派员",
    6: "招才引智",
    7: "产学研合作",
    8: "科技宣传教育",
}


def _year(digits: str, text: str) -> int:
    year = int(digits)
    if not 1949 <= year <= 2200:
        raise ValueError(_("年份超出范围：%(t)s") % {"t": text})
    return year


@dataclass(frozen=True)
class Period:
    """A span of whole months: a year, a quarter or year-to-date (1-9月)."""

    start: dt.date
    end: dt.date  # inclusive

    @property
    def year(self) -> int:
        return self.start.year

    @classmethod
    def year_of(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def months(cls, year: int, first: int, last: int) -> Period:
        return cls(dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]))

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2025`, `2025-Q3`, `2025-01..2025-09` (months of one year) or `2025-03` (one month)."""
        text = (text or "").strip()
        if m := re.fullmatch(r"(\d{4})", text):
            return cls.year_of(_year(m[1], text))
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text, re.I):
            q = int(m[2])
            return cls.months(_year(m[1], text), 3 * q - 2, 3 * q)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})\.\.(\d{4})-(\d{1,2})", text):
            if m[1] != m[3] or not 1 <= int(m[2]) <= int(m[4]) <= 12:
                raise ValueError(_("期间须为同一年内的月份范围：%(t)s") % {"t": text})
            return cls.months(_year(m[1], text), int(m[2]), int(m[4]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            if not 1 <= int(m[2]) <= 12:
                raise ValueError(_("月份应为 1–12：%(t)s") % {"t": text})
            return cls.months(_year(m[1], text), int(m[2]), int(m[2]))
        raise ValueError(_("无法识别的期间：%(t)s（应为 2025、2025-Q3 或 2025-01..2025-09）") % {"t": text})

    @property
    def range(self) -> tuple[dt.date, dt.date]:
        """(start, end) for a `__range` lookup (both inclusive)."""
        return (self.start, self.end)

    @property
    def months_label(self) -> str:
        """How a summary of this year names the span: 全年, 1-9月, 7-9月, 3月."""
        if self.is_full_year:
            return "全年"
        if self.start.month == self.end.month:
            return f"{self.start.month}月"
        return f"{self.start.month}-{self.end.month}月"

    def previous_year(self) -> Period:
        """The same months one year earlier (for 同比)."""
        return Period.months(self.year - 1, self.start.month, self.end.month)

    @property
    def label(self) -> str:
        return f"{self.year}年" if self.is_full_year else f"{self.year}年{self.months_label}"

    @property
    def is_full_year(self) -> bool:
        return (self.start.month, self.end.month) == (1, 12)


@dataclass
class Result:
    """What a figure function returns."""

    value: Decimal | int | list[str] | None
    text: str
    evidence: QuerySet | None = None


@dataclass
class Figure:
    key: str
    section: int
    label: str
    unit: str
    value: Decimal | int | list[str] | None
    text: str
    evidence: QuerySet | None = field(default=None, repr=False)

    @property
    def evidence_model(self) -> type[Model] | None:
        return self.evidence.model if self.evidence is not None else None

    @property
    def evidence_ids(self) -> list[Any]:
        return list(self.evidence.values_list("pk", flat=True)) if self.evidence is not None else []

    @property
    def evidence_count(self) -> int:
        return self.evidence.count() if self.evidence is not None else 0

    @property
    def json_value(self) -> Any:
        """The value as JSON carries it: whole amounts as integers, others as floats."""
        value: Any = self.value
        if isinstance(value, Decimal):
            value = float(value) if value != value.to_integral_value() else int(value)
        return value

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "section": self.section, "label": self.label, "value": self.json_value, "unit": self.unit,
            "text": self.text, "evidence_count": self.evidence_count,
        }  # fmt: skip


@dataclass(frozen=True)
class FigureDef:
    key: str
    section: int
    label: Any  # str or a lazy translation
    unit: Any
    func: Callable[[Region, Period], Result]
    order: int


REGISTRY: dict[str, FigureDef] = {}


def figure(key: str, *, section: int, label: Any, unit: Any = "") -> Callable:
    """Register `func(scope, period) -> Result` as the figure `key`."""

    def register(func: Callable[[Region, Period], Result]) -> Callable[[Region, Period], Result]:
        if key in REGISTRY and REGISTRY[key].func.__qualname__ != func.__qualname__:
            raise ValueError(f"figure {key} registered twice")
        REGISTRY[key] = FigureDef(key, section, label, unit, func, len(REGISTRY))
        return func

    return register


PROSE: dict[int, str] = {}


def section_prose(number: int, text: str) -> None:
    """Register the default prose of summary section `number` (1–8): the bureau's usual opening of the
    section, one paragraph a line, with `{figure.key}` placeholders naming registered figures. A section
    is owned by one app; registering it twice with different text is an error."""
    if number not in SECTIONS:
        raise ValueError(f"summary section {number} does not exist")
    if PROSE.get(number, text) != text:
        raise ValueError(f"summary section {number} prose registered twice")
    PROSE[number] = text


def compute(key: str, scope: Region, period: Period) -> Figure:
    d = REGISTRY[key]
    result = d.func(scope, period)
    return Figure(
        d.key, d.section, str(d.label), str(d.unit), result.value, str(result.text), result.evidence
    )


def compute_all(scope: Region, period: Period, *, section: int | None = None) -> list[Figure]:
    defs = sorted(REGISTRY.values(), key=lambda d: (d.section, d.order))
    return [compute(d.key, scope, period) for d in defs if section is None or d.section == section]


def in_scope(scope: Region, field: str = "county") -> Q:
    """Records whose county (reached through `field`) lies in `scope`: the county itself, or every county of
    a city or province (their codes share the region's prefix)."""
    return Q(**{f"{field}__code__startswith": scope.prefix})


def few_names(names: list[str], limit: int = 5) -> str:
    """ "甲、乙、丙" when there are `limit` or fewer, otherwise "" (for composing a parenthesis)."""
    return "、".join(names) if 0 < len(names) <= limit else ""


def parenthetical(*parts: str) -> str:
    """ "（甲、乙；已认定1家）" from the non-empty parts, or "" when all are empty."""
    kept = [p for p in parts if p]
    return f"（{'；'.join(kept)}）" if kept else ""
