"""The data of the dashboards: each chart as plain rows (the same rows the page's table shows, the chart
draws and the Excel export writes). Numbers that the figure registry knows are read from it
(`compute`), so a figure on a dashboard is the figure of the annual summary; the rest is contributed by
the stream apps (`contribute`, called in their apps.ready()): their key figures, their charts of a
county, the staff's work lists and an applicant's own charts, built from the apps' own selectors, which
scope every read to the acting user. Reports knows no stream app.

What is not built yet (R&D input, commissioners, cooperation, outreach; targets and rankings) is said in
a note, never invented."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from kechuang.core import permissions, units
from kechuang.core.models import ORGANISATION_ROLES, PERSON_ROLES, Region, Role
from kechuang.reports.figures import REGISTRY, Period, compute

# The key figures every county dashboard and the counties comparison show (registry keys), in the order
# the apps contributed them (`contribute`).
KEY_FIGURES: list[str] = []
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


# --- what the stream apps contribute --------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """A stream app's part of the dashboards. Every callable reads through the app's own selectors."""

    key_figures: tuple[str, ...] = ()  # registry keys shown as key figures, trends and county columns
    county_charts: Callable[[Any, Region, int], list[Chart]] | None = None  # (user, county, year)
    staff_work: Callable[[Any, Region], dict[str, Any]] | None = None  # the staff's work lists
    applicant_charts: Callable[[Any], list[Chart]] | None = None  # an enterprise's or person's own
    counties_with_data: Callable[[Region], set[str]] | None = None  # county codes under a region


CONTRIBUTIONS: dict[str, Contribution] = {}


def contribute(app: str, contribution: Contribution) -> None:
    """Register an app's dashboard contribution (once per app; a second call replaces the first)."""
    CONTRIBUTIONS[app] = contribution
    KEY_FIGURES[:] = [k for c in CONTRIBUTIONS.values() for k in c.key_figures]


def _key_figures() -> list[str]:
    return [k for k in KEY_FIGURES if k in REGISTRY]


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
    for key in _key_figures():
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


def county_charts(user: Any, county: Region, year: int) -> list[Chart]:
    figures = Figures()
    charts = [key_figures(county, year, figures)]
    charts += [trend(key, county, year, figures) for key in _key_figures()]
    for contribution in CONTRIBUTIONS.values():
        if contribution.county_charts is not None:
            charts += contribution.county_charts(user, county, year)
    return charts


def staff_work(user: Any, county: Region) -> dict[str, Any]:
    """The staff's work lists, as the apps give them (the review queue, deadlines, expiring records)."""
    work: dict[str, Any] = {}
    for contribution in CONTRIBUTIONS.values():
        if contribution.staff_work is not None:
            work.update(contribution.staff_work(user, county))
    return work


# --- city and province: counties side by side ---------------------------------------------------------------------


def counties_under(region: Region, *, all_counties: bool) -> list[Region]:
    """The counties of a city (all of them) or a province (those any app holds data of)."""
    counties = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=region.prefix)
    if all_counties:
        return list(counties.order_by("code"))
    used: set[str] = set()
    for contribution in CONTRIBUTIONS.values():
        if contribution.counties_with_data is not None:
            used |= contribution.counties_with_data(region)
    return list(counties.filter(code__in=used).order_by("code"))


def sorts() -> dict[str, int]:
    """The ?sort= values of the counties table: a key figure's column."""
    return {key.replace(".", "-"): i for i, key in enumerate(_key_figures(), start=1)}


def counties_table(region: Region, year: int, *, all_counties: bool, sort: str = "") -> Chart:
    counties = counties_under(region, all_counties=all_counties)
    keys = _key_figures()
    order = sorts()
    figures = Figures()
    rows: list[list[Any]] = []
    labels: list[Column] = [Column(_("县（市、区）"))]
    for county in counties:
        values = [figures.get(key, county, year) for key in keys]
        rows.append([county.name, *(f.value for f in values)])
    if counties:
        for key in keys:
            f = figures.get(key, counties[0], year)
            labels.append(Column(f.label, MONEY if f.unit == "元" else COUNT, key.replace(".", "-")))
    else:
        labels += [Column(key, COUNT) for key in keys]
    if sort.lstrip("-") in order:
        i = order[sort.lstrip("-")]
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


def applicant_charts(user: Any) -> list[Chart]:
    charts: list[Chart] = []
    for contribution in CONTRIBUTIONS.values():
        if contribution.applicant_charts is not None:
            charts += contribution.applicant_charts(user)
    return charts


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
