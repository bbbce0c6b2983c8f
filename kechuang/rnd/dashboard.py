"""The R&D dashboard's data: each chart as plain rows (what the table shows, the chart draws and the Excel
export writes). Values come from the indicator selectors the report figures use (official figures
preferred for full years), never from a separate aggregation; the top enterprises are the one list read
from the statistics themselves, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core import permissions, units
from kechuang.core.models import Region

from . import selectors_indicators as sel
from .figures import measure, measures
from .models import EnterpriseStat, Indicator, IndicatorKey, Target

K = IndicatorKey
TREND_YEARS = 5
TOP = 10
WAN = Decimal(10_000)


@dataclass
class Column:
    label: str
    show: Callable[[Any], str] = str
    numeric: bool = False
    unit: str = ""  # in the Excel header: the sheet keeps exact values (元, fractions)


@dataclass
class Series:
    column: int  # index into the row
    kind: str = "bar"  # bar | line
    axis: str = "y"  # y | y2
    scale: str = ""  # "wan": 元 → 万元; "pct": fraction → %


@dataclass
class Chart:
    """One chart and its table. `kind` tells the page's script how to lay it out: "combo" (bars and a
    line on a second axis), "lines", "hbar" (horizontal bars, names on the left), "rank" (lower is better,
    the axis reversed)."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    series: list[Series]
    kind: str = "combo"
    y_title: str = ""
    y2_title: str = ""
    note: str = ""
    links: list[str | None] = field(default_factory=list)  # a link for each row's first cell

    @property
    def has_data(self) -> bool:
        return any(r[s.column] is not None for r in self.rows for s in self.series)

    @property
    def dom_id(self) -> str:
        return f"rnd-chart-{self.slug}"

    @property
    def headers(self) -> list[str]:
        return [f"{c.label}（{c.unit}）" if c.unit else c.label for c in self.columns]

    def display_rows(self) -> list[list[tuple[str, bool, str | None]]]:
        out = []
        for i, row in enumerate(self.rows):
            link = self.links[i] if i < len(self.links) else None
            out.append(
                [
                    ("—" if v is None else c.show(v), c.numeric, link if j == 0 else None)
                    for j, (v, c) in enumerate(zip(row, self.columns, strict=False))
                ]
            )
        return out

    def data(self) -> dict[str, Any]:
        def plot(value: Any, scale: str) -> float | None:
            if value is None:
                return None
            if scale == "wan":
                return float((Decimal(value) / WAN).quantize(Decimal("0.01")))
            if scale == "pct":
                return float((Decimal(value) * 100).quantize(Decimal("0.01")))
            return float(value)

        return {
            "slug": self.slug,
            "kind": self.kind,
            "title": self.title,
            "x": [str(r[0]) for r in self.rows],
            "y_title": self.y_title,
            "y2_title": self.y2_title,
            "series": [
                {
                    "name": self.columns[s.column].label,
                    "type": s.kind,
                    "axis": s.axis,
                    "suffix": {"wan": _("万元"), "pct": "%"}.get(s.scale, ""),
                    "y": [plot(r[s.column], s.scale) for r in self.rows],
                }
                for s in self.series
            ],
        }

    def export_rows(self) -> list[list[Any]]:
        return [[v if v is not None else "" for v in row] for row in self.rows]


def _money(v: Any) -> str:
    return units.money(v)


def _pct(v: Any) -> str:
    return units.percent(v)


def _year_label(year: int, months: int = 12) -> str:
    return f"{year}年" if months == 12 else f"{year}年{sel.span_label(months)}"


def rd_trend(county: Region, year: int) -> Chart:
    """R&D expenditure (bars) and intensity (line) over five years; published values where entered. The
    chosen year, when not complete, shows its latest year-to-date span."""
    years = list(range(year - TREND_YEARS + 1, year + 1))
    keys = [str(K.RD_EXPENDITURE), str(K.RD_INTENSITY)]
    found = sel.quotes(county, years, keys)
    rows: list[list[Any]] = []
    for y in years:
        rd, intensity = found[(y, keys[0])], found[(y, keys[1])]
        label = _year_label(y)
        if y == year and rd.value is None:  # the chosen year, not complete yet: its year-to-date figures
            m_rd, m_int = measure(county, y, keys[0]), measure(county, y, keys[1])
            label = _year_label(y, m_rd.months)
            rows.append(
                [label, m_rd.value, m_int.value if m_int.months == m_rd.months else None, _("计算数")]
            )
            continue
        source = _("公布数") if rd.is_official or intensity.is_official else (_("计算数") if rd.value else "")
        rows.append([label, rd.value, intensity.value, source])
    return Chart(
        "rd-trend",
        _("R&D经费支出与投入强度（近%(n)s年）") % {"n": TREND_YEARS},
        [
            Column(_("年度")),
            Column(_("R&D经费支出"), _money, True, "元"),
            Column(_("R&D经费投入强度"), _pct, True, _("比值")),
            Column(_("口径")),
        ],
        rows,
        [Series(1, "bar", "y", "wan"), Series(2, "line", "y2", "pct")],
        y_title=_("万元"),
        y2_title=_("投入强度（%）"),
        note=_("有公布数的年份取公布数（统计监测报告），其余为平台根据企业统计报表计算的数。"),
    )


def rd_year_to_date(county: Region, year: int) -> Chart:
    """Year-to-date R&D by month, this year against the same months of last year (as revised)."""
    rows_by_month = {
        i.months: i
        for i in Indicator.objects.filter(county=county, year=year, key=K.RD_EXPENDITURE).order_by("months")
    }
    rows = [
        [sel.span_label(m) if m < 12 else _("1-12月"), row.value, row.previous, row.change]
        for m, row in sorted(rows_by_month.items())
    ]
    return Chart(
        "rd-ytd",
        _("%(y)s年R&D经费支出累计：与上年同期比较") % {"y": year},
        [
            Column(_("截至")),
            Column(_("%(y)s年") % {"y": year}, _money, True, "元"),
            Column(_("%(y)s年") % {"y": year - 1}, _money, True, "元"),
            Column(_("同比"), lambda v: sel.show_growth(Decimal(v)), True, _("比值")),
        ],
        rows,
        [Series(1, "line", "y", "wan"), Series(2, "line", "y", "wan")],
        kind="lines",
        y_title=_("万元"),
        note=_("上年数为上年同期数，按目前的数据（含修订）计算。"),
    )


def top_enterprises(user: Any, county: Region, year: int) -> Chart:
    stats = permissions.visible(user, EnterpriseStat.objects.filter(county=county, year=year))
    top = list(
        stats.values("organisation", "organisation__name")
        .annotate(total=Sum("rd_expenditure"))
        .filter(total__gt=0)
        .order_by("-total", "organisation__name")[:TOP]
    )
    return Chart(
        "top-enterprises",
        _("%(y)s年R&D经费支出前%(n)s位企业") % {"y": year, "n": TOP},
        [Column(_("企业")), Column(_("R&D经费支出"), _money, True, "元")],
        [[r["organisation__name"], r["total"]] for r in top],
        [Series(1, "bar", "y", "wan")],
        kind="hbar",
        y_title=_("万元"),
        note=_("按企业报送的本年各期统计报表合计。"),
        links=[reverse("organisation_detail", args=[r["organisation"]]) for r in top],
    )


def rank_trend(county: Region, year: int, memo: dict[str, int] | None = None) -> Chart:
    years = list(range(year - TREND_YEARS + 1, year + 1))
    key = str(K.RD_INTENSITY)
    found = sel.quotes(county, years, [key])
    memo = {} if memo is None else memo
    rows: list[list[Any]] = []
    for y in years:
        q: sel.Quote | None = found[(y, key)]
        label = _year_label(y)
        if y == year and q is not None and q.value is None:  # not complete yet: the year-to-date rank
            m = measure(county, y, key)
            q, label = m.quote, _year_label(y, m.months)
        if q is None or q.value is None:
            rows.append([label, None, None, ""])
            continue
        # a computed rank only over a complete province (city), as the figures quote them
        rows.append(
            [
                label,
                q.province_rank if sel.rank_quotable(q, province=True, memo=memo) else None,
                q.city_rank if sel.rank_quotable(q, province=False, memo=memo) else None,
                q.source,
            ]
        )
    return Chart(
        "rank-trend",
        _("R&D经费投入强度排名（近%(n)s年）") % {"n": TREND_YEARS},
        [
            Column(_("年度")),
            Column(_("全省排名"), lambda v: _("第%(r)s位") % {"r": v}, True),
            Column(_("全市排名"), lambda v: _("第%(r)s位") % {"r": v}, True),
            Column(_("来源")),
        ],
        rows,
        [Series(1, "line"), Series(2, "line")],
        kind="rank",
        y_title=_("名次"),
        note=_(
            "有公布排名的年份取公布排名；平台计算的排名只在平台收录了全省（全市）每个县（市、区）的数据时列出。"
        ),
    )


def targets(county: Region, year: int) -> Chart:
    """Each target of the year against the latest figure (official for the full year when entered)."""
    items = list(Target.objects.filter(county=county, year=year).order_by("indicator"))
    rows = []
    found = measures(county, year, [t.indicator for t in items])
    for t in items:
        m = found[t.indicator]
        actual, months = m.value, m.months
        above = t.comparison == Target.Comparison.ABOVE
        result = sel.attainment(t.indicator, actual, t.fraction, above=above) if actual is not None else None
        reached = (Decimal(actual) / t.fraction) if actual is not None and t.fraction else None
        rows.append(
            [
                t.get_indicator_display(),
                sel.show_value(t.indicator, t.fraction),
                sel.show_value(t.indicator, actual)
                + ("" if months == 12 else f"（{sel.span_label(months)}）")
                if actual is not None
                else _("暂无数据"),
                reached,
                result.text if result else _("尚无实际数"),
            ]
        )
    return Chart(
        "targets",
        _("%(y)s年目标任务完成情况") % {"y": year},
        [
            Column(_("指标")),
            Column(_("目标")),
            Column(_("实际")),
            Column(_("实际÷目标"), _pct, True, _("比值")),
            Column(_("完成情况")),
        ],
        rows,
        [Series(3, "bar", "y", "pct")],
        kind="target",
        y_title=_("实际÷目标（%）"),
        note=_("金额与企业数按完成比例，比重与增速按与目标相差的百分点判断是否达到。"),
    )


def charts(user: Any, county: Region, year: int, memo: dict[str, int] | None = None) -> list[Chart]:
    """The page's charts; `memo` (shared with kpis) keeps how many counties the province and city hold."""
    return [
        rd_trend(county, year),
        rd_year_to_date(county, year),
        top_enterprises(user, county, year),
        rank_trend(county, year, memo),
        targets(county, year),
    ]


def kpis(county: Region, year: int, memo: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """The tiles at the top: the year's latest figures with their change and the ranks a report may quote
    (published ones, or the platform's over a complete province or city). A figure with no data says so."""
    tiles = []
    keys = [K.RD_EXPENDITURE, K.RD_INTENSITY, K.HIGH_TECH_VA, K.HIGH_TECH_SHARE, K.ABOVE_SCALE_COUNT]
    found = measures(county, year, [str(k) for k in keys])
    memo = {} if memo is None else memo  # the counties of the province and city, asked once for all tiles
    for key in keys:
        m = found[key]
        q = m.quote
        tiles.append(
            {
                "label": str(key.label),
                "span": _year_label(year, m.months),
                "value": sel.show_value(key, m.value) if m.value is not None else _("暂无数据"),
                "change": sel.show_change(key, m.change),
                "ranks": " · ".join(
                    f"{where}{sel.quote_rank_text(q, province=province, memo=memo)}"
                    for where, province in ((_("全省"), True), (_("全市"), False))
                    if m.value is not None and sel.rank_quotable(q, province=province, memo=memo)
                ),
                "official": m.is_official,
                "has_value": m.value is not None,
                "has_change": m.change is not None,
            }
        )
    return tiles
