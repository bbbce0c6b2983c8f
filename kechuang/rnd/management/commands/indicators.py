"""`kechuang indicators`: refresh the precomputed county indicators, or print a county's indicators with
their ranks. Refreshing is automatic when inputs change through the pages, API or imports; the command is
for data loaded behind the application's back (a restored backup, a database script)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kechuang.core import units
from kechuang.core.models import Region
from kechuang.reports.management.commands.figures import pad, width
from kechuang.rnd import indicators
from kechuang.rnd.models import AMOUNT, COUNT, KIND_OF, EnterpriseStat, Indicator, IndicatorKey


def shown(key: str, value: Any) -> str:
    if value is None:
        return "—"
    kind = KIND_OF[IndicatorKey(key)]
    if kind == AMOUNT:
        return units.money(value)
    if kind == COUNT:
        return f"{int(value)}"
    return units.percent(value)


def shown_change(key: str, change: Any) -> str:
    if change is None:
        return "—"
    kind = KIND_OF[IndicatorKey(key)]
    if kind == AMOUNT:
        return _("增长%(p)s") % {"p": units.percent(change)}
    if kind == COUNT:
        return f"{int(change):+d}"
    return units.points(change)


class Command(BaseCommand):
    help = _(
        "刷新县域指标（R&D 经费、强度、高新技术产业增加值及占比、规上工业企业数）及其全省、全市排名，或输出某县的指标。"
        "例：kechuang indicators --refresh --year 2025；kechuang indicators --county 330824 --year 2025 --months 9"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--refresh", action="store_true", help=_("重新计算（不带 --year 则计算所有有数据的年度）")
        )
        parser.add_argument("--year", type=int, action="append", help=_("年度，可重复"))
        parser.add_argument("--county", help=_("输出该县（区划代码）的指标"))
        parser.add_argument("--months", type=int, default=12, help=_("截至月份 1–12（默认 12，即全年）"))

    def handle(self, *args: Any, **options: Any) -> None:
        years: list[int] = options["year"] or []
        if options["refresh"]:
            if not years:
                years = sorted(set(EnterpriseStat.objects.values_list("year", flat=True).distinct()))
            written = indicators.refresh(years)
            self.stdout.write(
                _("已刷新 %(y)s 年度指标，共 %(n)d 行。")
                % {"y": "、".join(map(str, years)) or "—", "n": written}
            )
        if options["county"]:
            if len(years) != 1:
                raise CommandError(_("输出指标时请用 --year 指定一个年度。"))
            if not 1 <= options["months"] <= 12:
                raise CommandError(_("--months 须为 1–12。"))
            county = Region.objects.filter(code=options["county"], level=Region.Level.COUNTY).first()
            if county is None:
                raise CommandError(_("没有区划代码为“%(c)s”的县（市、区）。") % {"c": options["county"]})
            self.stdout.write(self.table(county, years[0], options["months"]))
        elif not options["refresh"]:
            raise CommandError(_("请指定 --refresh 或 --county。"))

    def table(self, county: Region, year: int, months: int) -> str:
        rows = Indicator.objects.filter(county=county, year=year).filter(months__in={months, 12})
        by_key: dict[str, Indicator] = {}
        for row in rows:
            if row.months == months or (row.key == IndicatorKey.ABOVE_SCALE_COUNT and row.key not in by_key):
                by_key[row.key] = row
        span = _("全年") if months == 12 else _("1-%(m)d月") % {"m": months}
        lines = [_("%(c)s %(y)d年%(s)s 指标") % {"c": county.full_name, "y": year, "s": span}, ""]
        head = [_("指标"), _("数值"), _("上年同期"), _("变动"), _("全省排名"), _("全市排名")]
        table = [head]
        for key in IndicatorKey:
            found = by_key.get(key.value)
            if found is None:
                continue
            table.append([
                str(key.label), shown(key, found.value), shown(key, found.previous), shown_change(key, found.change),
                f"{found.province_rank}/{found.province_count}", f"{found.city_rank}/{found.city_count}",
            ])  # fmt: skip
        if len(table) == 1:
            lines.append(_("（没有该期间的指标，请先导入企业统计数据和县域经济数据）"))
            return "\n".join(lines)
        widths = [max(width(r[i]) for r in table) for i in range(len(head))]
        lines += ["  ".join(pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
        return "\n".join(lines)
