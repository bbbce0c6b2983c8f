"""The data of the dashboards: each chart as plain rows (the same rows the page's table shows, the chart
draws and the Excel export writes). Numbers that the figure registry knows are read from it
(`compute`), so a figure on a dashboard is the figure of the annual summary; the rest comes from the
programmes engine's selectors, which scope every read to the acting user.

What is not built yet (R&D input, commissioners, cooperation, outreach; targets and rankings) is said in
a note, never invented."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import permissions, units
from kechuang.core.models import ORGANISATION_ROLES, PERSON_ROLES, Region, Role
from kechuang.programmes import selectors
from kechuang.programmes.models import Application, Award, Disbursement, FundingSource, Programme, Status
from kechuang.reports.figures import Period, compute

# The key figures every county dashboard and the counties comparison show (registry keys).
KEY_FIGURES = [
    "policy.money_paid",
    "entities.new_qualifications",
    "projects.approvals",
    "projects.grants",
    "talent.matching_paid",
]
TREND_YEARS = 5
WAN = Decimal(10_000)

# Column kinds: how a raw cell is shown on the page (the Excel export keeps the raw value).
# VALUE: a figure's value, shown by the unit in the row's last column (money in 万元, counts with their unit).
# CHANGE: 同比 — for money the growth in % (None when last year had none), for counts the difference.
TEXT, MONEY, COUNT, VALUE, CHANGE = "text", "money", "count", "value", "change"


@dataclass
class Column:
    label: str
    kind: str = TEXT
    sort: str = ""  # the ?sort= value ordering a table by this column

    @property
    def header(self) -> str:
        """The Excel header: money columns say their unit, the sheet holding exact 元."""
        if self.kind == CHANGE:
            return _("%(l)s（金额为增长%%，数量为增减数）") % {"l": self.label}
        return f"{self.label}（元）" if self.kind == MONEY else self.label


@dataclass
class Chart:
    """One chart: its rows (first column the category), the series it plots (column indexes) and how."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    series: list[int] = field(default_factory=list)  # columns plotted; empty: a table only
    kind: str = "bar"  # bar | line | stacked | grouped
    note: str = ""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def is_money(self) -> bool:
        return any(self.columns[i].kind == MONEY for i in self.series)

    @property
    def has_data(self) -> bool:
        return any(_number(r[i]) for r in self.rows for i in self.series) if self.series else bool(self.rows)

    @property
    def dom_id(self) -> str:
        return f"chart-data-{self.slug}"

    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as shown, with whether it is a number (right-aligned)."""
        return [
            [(_show(v, c.kind, row), c.kind != TEXT) for v, c in zip(row, self.columns, strict=False)]
            for row in self.rows
        ]

    def data(self) -> dict[str, Any]:
        """What the page embeds for charts.js: the plot (money in 万元) and the raw rows."""
        scale = (lambda v: float((_number(v) / WAN).quantize(Decimal("0.0001")))) if self.is_money else _plain
        return {
            "slug": self.slug,
            "title": self.title,
            "kind": self.kind,
            "unit": _("万元") if self.is_money else "",
            "x": [str(r[0]) for r in self.rows],
            "series": [
                {"name": self.columns[i].label, "y": [scale(r[i]) for r in self.rows]} for i in self.series
            ],
            "headers": self.headers,
            "rows": [[_plain(v) for v in r] for r in self.rows],
        }


def _number(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    return Decimal(0)


def _plain(value: Any) -> Any:
    """JSON-friendly: a Decimal becomes an int when whole, else a float (as Figure.as_json)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _show(value: Any, kind: str, row: list[Any]) -> str:
    if value is None:
        return _("新增") if kind == CHANGE and _number(row[2]) else "—"
    if kind == VALUE:
        unit = str(row[-1])
        return units.money(value) if unit == "元" else f"{value:,}{unit}"
    if kind == CHANGE:
        if str(row[-1]) == "元":
            return f"{value:+}%"
        return f"{value:+}" if value else "0"
    if kind == MONEY:
        return units.money(value)
    if kind == COUNT and isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)


def change(current: Any, previous: Any, unit: str) -> Decimal | int | None:
    """同比: money as a growth in % (None when last year had none), counts as the difference (+N / −N)."""
    cur, prev = _number(current), _number(previous)
    if unit == "元":
        if not prev:
            return None
        return ((cur - prev) / prev * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(cur - prev)


# --- who sees which dashboard --------------------------------------------------------------------------------


@dataclass
class Scope:
    """What a dashboard is about: a region role's region, or the user's own organisation/person."""

    role: str
    region: Region | None = None
    label: str = ""
    key: str = ""  # the ?scope= value choosing it


def scopes_of(user: Any) -> list[Scope]:
    """The dashboards a user may open, the most specific first (staff, leader, city, province, applicant)."""
    order = [Role.STAFF, Role.LEADER, Role.CITY, Role.PROVINCE]
    found: list[Scope] = []
    roles = permissions.roles_of(user)
    for role in order:
        for r in roles:
            if r.role == role and r.region is not None:
                found.append(
                    Scope(role, r.region, f"{r.region.name} · {r.get_role_display()}", r.region.code)
                )
    if any(r.role in ORGANISATION_ROLES | PERSON_ROLES for r in roles):
        found.append(Scope("applicant", None, _("本单位"), "own"))
    return found


def pick_scope(user: Any, key: str = "") -> Scope | None:
    scopes = scopes_of(user)
    return next((s for s in scopes if s.key == key), scopes[0] if scopes else None)


# --- county: leader and staff ----------------------------------------------------------------------------------


class Figures:
    """compute(key, region, year) once per request, whatever the number of charts reading it."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, int], Any] = {}

    def get(self, key: str, region: Region, year: int) -> Any:
        k = (key, region.code, year)
        if k not in self._cache:
            self._cache[k] = compute(key, region, Period.year_of(year))
        return self._cache[k]


def key_figures(county: Region, year: int, figures: Figures) -> Chart:
    rows = []
    for key in KEY_FIGURES:
        cur, prev = figures.get(key, county, year), figures.get(key, county, year - 1)
        rows.append([cur.label, prev.value, cur.value, change(cur.value, prev.value, cur.unit), cur.unit])
    return Chart(
        "key-figures",
        _("主要指标（%(y)s年与上年同期）") % {"y": year},
        [
            Column(_("指标")),
            Column(_("%(y)s年") % {"y": year - 1}, VALUE),
            Column(_("%(y)s年") % {"y": year}, VALUE),
            Column(_("同比"), CHANGE),
            Column(_("单位")),
        ],
        rows,
    )


def trend(key: str, county: Region, year: int, figures: Figures) -> Chart:
    years = range(year - TREND_YEARS + 1, year + 1)
    points = [figures.get(key, county, y) for y in years]
    money = points[-1].unit == "元"
    return Chart(
        f"trend-{key.replace('.', '-').replace('_', '-')}",
        _("%(label)s（近%(n)s年）") % {"label": points[-1].label, "n": TREND_YEARS},
        [Column(_("年度")), Column(points[-1].label, MONEY if money else COUNT)],
        [[_("%(y)s年") % {"y": y}, f.value] for y, f in zip(years, points, strict=True)],
        series=[1],
        kind="bar" if money else "line",
    )


def funds_by_source(user: Any, county: Region, year: int) -> Chart:
    """Money paid in the county by funding source (central, provincial, city, county budget) and fiscal
    year, over the trend years: one ledger_totals per source."""
    years = list(range(year - TREND_YEARS + 1, year + 1))
    paid = selectors.disbursement_list(user=user).filter(
        award__county__code__startswith=county.prefix, fiscal_year__in=years
    )
    table = {y: {s: Decimal(0) for s in FundingSource.values} for y in years}
    for source in FundingSource.values:
        for row in selectors.ledger_totals(paid.filter(source=source), "fiscal_year"):
            table[row["key"]][source] = row["total"] or Decimal(0)
    columns = [Column(_("预算年度"))] + [Column(str(label), MONEY) for _v, label in FundingSource.choices]
    rows = [[_("%(y)s年") % {"y": y}, *(table[y][s] for s in FundingSource.values)] for y in years]
    return Chart(
        "funds-by-source",
        _("拨付资金：按资金来源与预算年度"),
        columns,
        rows,
        series=list(range(1, len(columns))),
        kind="stacked",
        note=_("含政策奖励、项目补助和人才团队配套资金，按预算年度归集（来自资金台账）。"),
    )


def applications_by_status(applications: Any, slug: str, title: str) -> Chart:
    counts = selectors.status_counts(applications)
    rows = [[str(label), counts[value]] for value, label in Status.choices if value != Status.DRAFT]
    rows = [r for r in rows if r[1]]
    return Chart(
        slug,
        title,
        [Column(_("状态")), Column(_("申报数（项）"), COUNT)],
        rows,
        series=[1],
        note=_("不含草稿。"),
    )


def county_charts(user: Any, county: Region, year: int) -> list[Chart]:
    figures = Figures()
    charts = [key_figures(county, year, figures)]
    charts += [trend(key, county, year, figures) for key in KEY_FIGURES]
    charts.append(funds_by_source(user, county, year))
    apps = selectors.application_list(user=user, year=year).filter(county__code__startswith=county.prefix)
    charts.append(
        applications_by_status(apps, "applications-by-status", _("%(y)s年申报：按状态") % {"y": year})
    )
    return charts


def staff_work(user: Any, county: Region) -> dict[str, Any]:
    """The staff's work lists, from the same selectors as the review queue and qualification pages."""
    today = timezone.localdate()
    queue = selectors.review_queue(user=user).filter(county__code__startswith=county.prefix)
    waiting = selectors.status_counts(queue)
    expiring = selectors.expiring_qualifications(user=user, today=today).filter(
        county__code__startswith=county.prefix
    )
    deadlines = (
        selectors.call_list(user=user)
        .filter(programme__county__code__startswith=county.prefix)
        .filter(
            Q(county_deadline__gte=today) | Q(county_deadline__isnull=True, closes_on__gte=today),
            opens_on__lte=today,
        )
        .order_by("county_deadline", "closes_on", "pk")
    )
    return {
        "waiting": [
            (str(label), waiting[value])
            for value, label in Status.choices
            if value in (Status.SUBMITTED, Status.CHECKED, Status.RECOMMENDED)
        ],
        "waiting_total": sum(waiting.values()),
        "deadlines": list(deadlines[:8]),
        "expiring": list(expiring.select_related("organisation", "person", "programme")[:8]),
        "expiring_count": expiring.count(),
        "today": today,
    }


# --- city and province: counties side by side ---------------------------------------------------------------------


def counties_under(region: Region, *, all_counties: bool) -> list[Region]:
    """The counties of a city (all of them) or a province (those with any programme data)."""
    counties = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=region.prefix)
    if all_counties:
        return list(counties.order_by("code"))
    used: set[str] = set()
    for model, path in (
        (Programme, "county"),
        (Application, "county"),
        (Award, "county"),
        (Disbursement, "award__county"),
    ):
        used.update(
            model._default_manager.filter(**{f"{path}__code__startswith": region.prefix})  # type: ignore[attr-defined]
            .order_by()
            .values_list(path, flat=True)
            .distinct()
        )
    return list(counties.filter(code__in=used).order_by("code"))


SORTS = {key.replace(".", "-"): i for i, key in enumerate(KEY_FIGURES, start=1)}


def counties_table(region: Region, year: int, *, all_counties: bool, sort: str = "") -> Chart:
    counties = counties_under(region, all_counties=all_counties)
    figures = Figures()
    rows: list[list[Any]] = []
    labels: list[Column] = [Column(_("县（市、区）"))]
    for county in counties:
        values = [figures.get(key, county, year) for key in KEY_FIGURES]
        rows.append([county.name, *(f.value for f in values)])
    if counties:
        for key in KEY_FIGURES:
            f = figures.get(key, counties[0], year)
            labels.append(Column(f.label, MONEY if f.unit == "元" else COUNT, key.replace(".", "-")))
    else:
        labels += [Column(key, COUNT) for key in KEY_FIGURES]
    if sort.lstrip("-") in SORTS:
        i = SORTS[sort.lstrip("-")]
        rows.sort(key=lambda r: (_number(r[i]), r[0]), reverse=not sort.startswith("-"))
    return Chart(
        "counties",
        _("%(y)s年各县（市、区）主要指标") % {"y": year},
        labels,
        rows,
        kind="grouped",
    )


def counties_charts(table: Chart) -> list[Chart]:
    """The comparison drawn twice, money (万元) and counts on their own axes, from the table's rows."""
    money = [i for i, c in enumerate(table.columns) if c.kind == MONEY]
    counts = [i for i, c in enumerate(table.columns) if c.kind == COUNT]

    def part(slug: str, title: str, idx: list[int]) -> Chart:
        return Chart(
            slug,
            title,
            [table.columns[0], *(table.columns[i] for i in idx)],
            [[r[0], *(r[i] for i in idx)] for r in table.rows],
            series=list(range(1, len(idx) + 1)),
            kind="grouped",
        )

    return [
        part("counties-money", _("各县资金对比"), money),
        part("counties-counts", _("各县认定与立项对比"), counts),
    ]


# --- enterprise (and person) ------------------------------------------------------------------------------------


def applicant_charts(user: Any) -> list[Chart]:
    charts = [
        applications_by_status(
            selectors.application_list(user=user), "my-applications", _("本单位申报：按状态")
        )
    ]
    quals = selectors.qualification_list(user=user).select_related("programme")
    charts.append(
        Chart(
            "my-qualifications",
            _("资质及有效期"),
            [Column(_("资质")), Column(_("证书/登记号")), Column(_("认定日期")), Column(_("有效期至"))],
            [
                [
                    q.programme.category or q.programme.name,
                    q.certificate_no or q.registration_no,
                    units.chinese_date(q.decided_on),
                    units.chinese_date(q.valid_until) if q.valid_until else _("长期"),
                ]
                for q in quals
            ],
        )
    )
    received = selectors.ledger_totals(selectors.disbursement_list(user=user), "fiscal_year")
    received.sort(key=lambda r: r["key"])
    charts.append(
        Chart(
            "my-money",
            _("获得资金：按预算年度"),
            [Column(_("预算年度")), Column(_("金额"), MONEY), Column(_("笔数"), COUNT)],
            [[_("%(y)s年") % {"y": r["key"]}, r["total"], r["n"]] for r in received],
            series=[1],
        )
    )
    return charts


# --- the dashboard of a scope ----------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    scope: Scope
    year: int
    charts: list[Chart]
    key_table: Chart | None = None
    work: dict[str, Any] | None = None

    def chart(self, slug: str) -> Chart | None:
        every = ([self.key_table] if self.key_table else []) + self.charts
        return next((c for c in every if c.slug == slug), None)


def build(user: Any, scope: Scope, year: int, *, sort: str = "", with_work: bool = True) -> Dashboard:
    builders: dict[str, Callable[[], Dashboard]] = {
        Role.STAFF: lambda: _county(user, scope, year, with_work=with_work),
        Role.LEADER: lambda: _county(user, scope, year, with_work=False),
        Role.CITY: lambda: _region(scope, year, all_counties=True, sort=sort),
        Role.PROVINCE: lambda: _region(scope, year, all_counties=False, sort=sort),
    }
    if scope.role in builders:
        return builders[scope.role]()
    return Dashboard(scope, year, applicant_charts(user))


def _county(user: Any, scope: Scope, year: int, *, with_work: bool) -> Dashboard:
    assert scope.region is not None
    charts = county_charts(user, scope.region, year)
    return Dashboard(
        scope,
        year,
        charts[1:],
        key_table=charts[0],
        work=staff_work(user, scope.region) if with_work else None,
    )


def _region(scope: Scope, year: int, *, all_counties: bool, sort: str) -> Dashboard:
    assert scope.region is not None
    table = counties_table(scope.region, year, all_counties=all_counties, sort=sort)
    return Dashboard(scope, year, counties_charts(table), key_table=table)
