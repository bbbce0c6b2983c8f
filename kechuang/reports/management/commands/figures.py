"""`kechuang figures`: the report figures of a county (or a city or province) for a period, as a readable
table or, with --json, as JSON for other tools."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kechuang.core import units
from kechuang.core.models import Region
from kechuang.reports.figures import SECTIONS, Figure, Period, compute_all

NUMERALS = "一二三四五六七八九十"


def width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def shown_value(f: Figure) -> str:
    if isinstance(f.value, list):
        return _("%(n)s项") % {"n": len(f.value)}
    if f.value is None:
        return "—"
    if f.unit == "元":
        return units.money(f.value)
    if isinstance(f.value, Decimal):
        return f"{f.value:f}{f.unit}"
    return f"{f.value}{f.unit}"


class Command(BaseCommand):
    help = _(
        "输出某县（或市、省）某期间的统计指标。"
        "例：kechuang figures --county 330824 --year 2025 --period 2025-01..2025-09 --json"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True, help=_("区划代码（县、市或省），或其名称"))
        parser.add_argument("--year", required=True, type=int, help=_("年度，如 2025"))
        parser.add_argument(
            "--period", default="", help=_("期间：全年（默认）、季度 2025-Q3，或月份范围 2025-01..2025-09")
        )
        parser.add_argument(
            "--section", type=int, choices=sorted(SECTIONS), help=_("只输出某一部分（工作条线编号 1–8）")
        )
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))

    def handle(self, *args: Any, **options: Any) -> None:
        scope = self.get_scope(str(options["county"]))
        period = self.get_period(options["year"], options["period"])
        figures = compute_all(scope, period, section=options["section"])
        if options["json"]:
            self.stdout.write(json.dumps([f.as_json() for f in figures], ensure_ascii=False, indent=2))
            return
        self.stdout.write(self.table(scope, period, figures))

    def get_scope(self, text: str) -> Region:
        text = text.strip()
        region = Region.objects.filter(code=text).first()
        if region is None:
            named = list(Region.objects.filter(name=text)[:2])
            if len(named) > 1:
                raise CommandError(_("名称“%(c)s”对应多个行政区划，请填写区划代码。") % {"c": text})
            region = named[0] if named else None
        if region is None:
            raise CommandError(_("没有区划代码或名称为“%(c)s”的县（市、区）、市或省。") % {"c": text})
        if region.level == Region.Level.TOWNSHIP:
            raise CommandError(
                _("“%(r)s”是乡镇（街道），统计指标按县、市或省汇总，请填写其所属县的区划代码。")
                % {"r": region}
            )
        return region

    def get_period(self, year: int, text: str) -> Period:
        if not 1949 <= year <= 2200:
            raise CommandError(_("年份超出范围：%(y)s") % {"y": year})
        if not text:
            return Period.year_of(year)
        try:
            period = Period.parse(text)
        except ValueError as e:
            raise CommandError(str(e)) from None
        if period.year != year:
            raise CommandError(
                _("期间 %(p)s 不在 %(y)s 年内，请检查 --year 与 --period。") % {"p": text, "y": year}
            )
        return period

    def table(self, scope: Region, period: Period, figures: list[Figure]) -> str:
        lines = [_("%(r)s %(p)s 统计指标") % {"r": scope.full_name, "p": period.label}, ""]
        if not figures:
            lines.append(_("（没有该部分的统计指标）"))
            return "\n".join(lines)
        head = [_("指标"), _("数值"), _("依据记录"), _("表述")]
        rows = [[f.label, shown_value(f), _("%(n)s条") % {"n": f.evidence_count}, f.text] for f in figures]
        widths = [max(width(r[i]) for r in [head, *rows]) for i in range(3)]
        section = None
        for f, row in zip(figures, rows, strict=True):
            if f.section != section:
                section = f.section
                if len(lines) > 2:
                    lines.append("")
                lines.append(f"{NUMERALS[section - 1]}、{SECTIONS[section]}")
                lines.append("  " + "  ".join(pad(h, w) for h, w in zip(head, [*widths, 0], strict=True)))
            lines.append("  " + "  ".join(pad(c, w) for c, w in zip(row, [*widths, 0], strict=True)))
        return "\n".join(line.rstrip() for line in lines)
