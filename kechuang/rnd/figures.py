"""Report figures of stream 4 (R&D input), registered with kechuang.reports.figures: statistical returns
filed, R&D expenditure and intensity with their changes and ranks, target attainment, year-to-date R&D,
above-scale industrial enterprises, and high-tech industry value added and its share.

Numbers come from the precomputed indicator rows through kechuang.rnd.selectors_indicators (the indicator
page, the dashboard and the API read the same functions), so each figure runs a fixed handful of queries
whatever the number of enterprises. A published (official) figure is quoted when one was entered for the
full year; the computed one is there to check it on the indicator page.

Spans: R&D and value added are year-to-date, January to the period's last month (a summary of 1-9月 quotes
1-9月; a quarter 7-9月 also quotes 1-9月, as statistics are reported cumulatively). When the data do not
reach that month yet, the latest month reached is quoted and named in the text.

Scope: a county quotes its own figures with ranks; a city or province (every county under it) sums the
counties' amounts, derives shares from the sums, and has no rank.

Evidence: the enterprise returns counted (EnterpriseStat rows) for computed values, the OfficialFigure rows
for published ones, the Target rows for attainment, the filings for returns, the enterprises for counts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import units
from kechuang.core.models import Organisation, OrganisationYear, Region, local_in
from kechuang.reports.figures import Period, Result, figure, in_scope

from . import selectors_indicators as sel
from .indicators import SHARE_PLACES, growth, ratio
from .models import (
    CountyEconomy,
    EnterpriseStat,
    Indicator,
    IndicatorKey,
    OfficialFigure,
    ReturnFiling,
    ReturnRound,
    Target,
)

K = IndicatorKey
SECTION = 4
FULL_YEAR = 12


def _is_county(scope: Region) -> bool:
    return scope.level == Region.Level.COUNTY


def _span(year: int, months: int) -> str:
    return f"{year}年" if months == FULL_YEAR else f"{year}年{sel.span_label(months)}"


def stats_counted(scope: Region, year: int, months: int) -> QuerySet[EnterpriseStat]:
    """The enterprise returns a year-to-date amount sums: every period of the year ended by `months`."""
    return EnterpriseStat.objects.filter(in_scope(scope), year=year, last_month__lte=months).order_by(
        "organisation__name", "last_month", "pk"
    )


@dataclass
class Measure:
    """A figure's numbers for a scope: value, the prior year's, the change, ranks (a county only)."""

    key: str
    year: int
    months: int  # the span actually quoted
    value: Decimal | None = None
    previous: Decimal | None = None
    quote: sel.Quote | None = None
    like: Decimal | None = None  # several counties: the sum of those with a prior-year figure

    @property
    def change(self) -> Decimal | None:
        if self.quote is not None:
            return self.quote.change
        if self.value is None or self.previous is None:
            return None
        if sel.kind_of(self.key) == sel.SHARE:
            return (self.value - self.previous).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        return growth(self.like if self.like is not None else self.value, self.previous)

    @property
    def is_official(self) -> bool:
        return self.quote is not None and self.quote.is_official


def _months_reached(scope: Region, year: int, key: str, up_to: int) -> int | None:
    return (
        Indicator.objects.filter(in_scope(scope), year=year, key=key, months__lte=up_to)
        .order_by("-months")
        .values_list("months", flat=True)
        .first()
    )


def measures(scope: Region, year: int, keys: list[str], up_to: int = FULL_YEAR) -> dict[str, Measure]:
    """Each key's figure for the scope over January–`up_to`, or the longest span before it that has data
    (a county: two queries whatever the number of keys)."""
    if not _is_county(scope):
        return {key: _scope_measure(scope, year, key, up_to) for key in keys}
    rows, officials = sel.load(scope, [year], keys)
    found = {}
    for key in keys:
        months = FULL_YEAR if key in sel.ANNUAL_ONLY else up_to
        # A published full-year figure counts even before the statistics reach December.
        q = sel.build_quote(key, year, months, rows, officials)
        if q.value is None:
            spans = [*rows, *officials]  # a span with a published figure counts as reached
            reached = max((m for (y, m, k) in spans if y == year and k == key and m <= months), default=None)
            if reached is None:
                found[key] = Measure(key, year, months)
                continue
            q = sel.build_quote(key, year, reached, rows, officials)
        found[key] = Measure(key, year, q.months, q.value, q.previous, q)
    return found


def measure(scope: Region, year: int, key: str, up_to: int = FULL_YEAR) -> Measure:
    return measures(scope, year, [key], up_to)[key]


def _scope_measure(scope: Region, year: int, key: str, up_to: int) -> Measure:
    """Several counties (a city, a province): amounts summed, shares from the sums, no rank."""
    months = FULL_YEAR if key in sel.ANNUAL_ONLY else up_to
    reached = _months_reached(scope, year, key, months)
    if reached is None:
        return Measure(key, year, months)
    if sel.kind_of(key) == sel.SHARE:
        numerator, field = {
            str(K.RD_INTENSITY): (K.RD_EXPENDITURE, "gdp"),
            str(K.HIGH_TECH_SHARE): (K.HIGH_TECH_VA, "above_scale_value_added"),
        }[key]
        value, previous = _scope_share(scope, year, reached, numerator, field)
        return Measure(key, year, reached, value, previous)
    agg = Indicator.objects.filter(in_scope(scope), year=year, months=reached, key=key).aggregate(
        total=Sum("value"), like=Sum("value", filter=Q(previous__isnull=False)), before=Sum("previous")
    )
    # Growth of the counties that have both years (like for like); the value is every county's sum.
    return Measure(key, year, reached, agg["total"], agg["before"], like=agg["like"])


def _scope_share(
    scope: Region, year: int, months: int, numerator: str, field: str
) -> tuple[Decimal | None, Decimal | None]:
    """A share for several counties: the sum of their numerators over the sum of their denominators, each
    year over the counties that have both."""
    rows = Indicator.objects.filter(in_scope(scope), year=year, months=months, key=numerator).values_list(
        "county_id", "value", "previous"
    )
    economy = {
        (e.county_id, e.year): getattr(e, field)
        for e in CountyEconomy.objects.filter(in_scope(scope), year__in=[year, year - 1], months=months)
    }
    parts = {year: [Decimal(0), Decimal(0)], year - 1: [Decimal(0), Decimal(0)]}
    for county, value, previous in rows:
        for y, amount in ((year, value), (year - 1, previous)):
            whole = economy.get((county, y))
            if amount is not None and whole:
                parts[y][0] += amount
                parts[y][1] += whole
    return ratio(*parts[year]), ratio(*parts[year - 1])


# --- text pieces ------------------------------------------------------------------------------------------------


def _change_text(m: Measure, *, against: str) -> str:
    change = m.change
    if change is None:
        return ""
    kind = sel.kind_of(m.key)
    if kind == sel.SHARE:
        return _("，较%(a)s%(p)s") % {"a": against, "p": sel.show_change(m.key, change)}
    if kind == sel.AMOUNT:
        return _("，同比%(g)s") % {"g": sel.show_growth(change)}
    return _("，与上年持平") if not change else _("，比上年%(c)s") % {"c": sel.show_change(m.key, change)}


Totals = dict[str, int]  # counties per province / city prefix: each figure's call keeps its own


def _ranks(
    m: Measure, totals: Totals, *, province: bool = True, city: bool = True
) -> list[tuple[str, int, int]]:
    """(全省/全市, rank, among how many) a report may quote: the published ranks with their denominators,
    and a rank the platform computed only when the platform holds every county of that province or city
    (otherwise it is a rank among the counties that happen to be in it, not a sentence for a document).
    `totals` is the calling figure's own memo of how many counties the tree holds (one query per prefix)."""
    q = m.quote
    if q is None:
        return []
    found = []
    for where, rank, count, on, is_province in (
        (_("全省"), q.province_rank, q.province_count, province, True),
        (_("全市"), q.city_rank, q.city_count, city, False),
    ):
        if not on or not rank or not count or count < 2:
            continue
        if not sel.rank_quotable(q, province=is_province, memo=totals):
            continue
        found.append((str(where), rank, count))
    return found


def _rank_text(m: Measure, totals: Totals, *, province: bool = True, city: bool = True) -> str:
    """ "，居全省89个县（市、区）第29位、全市6个县（市、区）第1位", or "" when no rank may be quoted."""
    parts = [_("%(w)s%(n)s个县（市、区）第%(r)s位") % {"w": w, "n": n, "r": r} for w, r, n in _ranks(m, totals, province=province, city=city)]  # fmt: skip
    return _("，居%(p)s") % {"p": "、".join(parts)} if parts else ""


def _joint_rank_text(first: Measure, second: Measure, totals: Totals) -> str:
    """Two figures ranked among the same counties: "，全省89个县（市、区）排名分别为第82位和第29位"."""
    a, b = {w: (r, n) for w, r, n in _ranks(first, totals)}, {w: (r, n) for w, r, n in _ranks(second, totals)}
    parts = []
    for where in (str(_("全省")), str(_("全市"))):
        if where in a and where in b and a[where][1] == b[where][1]:
            parts.append(
                _("%(w)s%(n)s个县（市、区）排名分别为第%(r1)s位和第%(r2)s位")
                % {"w": where, "n": a[where][1], "r1": a[where][0], "r2": b[where][0]}
            )
    return "，" + "，".join(parts) if parts else ""


def _source_text(m: Measure) -> str:
    if m.is_official and m.quote is not None and m.quote.official is not None:
        return _("（数据来源：%(s)s）") % {"s": m.quote.official.source}
    return ""


# --- the figures --------------------------------------------------------------------------------------------------


@figure("rnd.returns_completed", section=SECTION, label=gettext_lazy("统计报表报送"), unit="家次")
def returns_completed(scope: Region, period: Period) -> Result:
    """The statistical returns due in the period, listed by name: those completed (every filing owed
    submitted; exempt ones are not owed), then those still owed with how many filings are missing."""
    rounds = ReturnRound.objects.filter(in_scope(scope), due_on__range=period.range)
    filings = ReturnFiling.objects.filter(round__in=rounds)
    submitted = filings.filter(status=ReturnFiling.Status.SUBMITTED).order_by("round__due_on", "pk")
    names: dict[str, int] = {}  # name → filings still pending, in the order the rounds fall due
    for name in rounds.order_by("due_on", "pk").values_list("return_type__name", flat=True):
        names.setdefault(name, 0)
    if not names:
        return Result(0, _("本期暂无到期的统计报表"), submitted)
    pending = filings.filter(status=ReturnFiling.Status.PENDING).values_list(
        "round__return_type__name", flat=True
    )
    for name in pending:
        names[name] += 1
    done = len(submitted)  # evaluated here (hundreds a year at most): the evidence count then costs no query
    complete = [n for n, missing in names.items() if not missing]
    owing = [(n, missing) for n, missing in names.items() if missing]
    parts = []
    if len(complete) > 1:
        parts.append(_("完成%(names)s等各类统计报送工作") % {"names": "、".join(complete)})
    elif complete:
        parts.append(_("完成%(names)s报送工作") % {"names": complete[0]})
    parts += [_("%(n)s尚有%(m)s家次未报送") % {"n": n, "m": m} for n, m in owing]
    text = "，".join(parts) + _("，共报送%(y)s家次") % {"y": done}
    return Result(done, text, submitted)


def _lead(*found: Measure) -> str:
    """ "根据《…》，" naming the documents the published figures come from, or ""."""
    sources: list[str] = []
    for m in found:
        if m.is_official and m.quote is not None and m.quote.official is not None:
            source = m.quote.official.source.strip()
            if source and source not in sources:
                sources.append(source)
    return _("根据%(s)s，") % {"s": "、".join(sources)} if sources else ""


def _single_ranks(m: Measure, label: str, skip: set[str], totals: Totals) -> str:
    parts = [
        _("%(w)s%(n)s个县（市、区）第%(r)s位") % {"w": w, "n": n, "r": r}
        for w, r, n in _ranks(m, totals)
        if w not in skip
    ]
    return _("，%(l)s居%(p)s") % {"l": label, "p": "、".join(parts)} if parts else ""


@figure("rnd.official_rd", section=SECTION, label=gettext_lazy("上年R&D经费支出与投入强度"), unit="元")
def official_rd(scope: Region, period: Period) -> Result:
    """The year before the summary's (its figures are published in the summary's year): R&D expenditure
    and intensity — the published figures, with the document they come from and every rank it gives,
    when entered; else computed from the enterprise returns —, their change on the year before."""
    totals: Totals = {}
    year = period.year - 1
    found = measures(scope, year, [K.RD_EXPENDITURE, K.RD_INTENSITY])
    rd, intensity = found[K.RD_EXPENDITURE], found[K.RD_INTENSITY]
    officials = OfficialFigure.objects.filter(
        in_scope(scope), year=year, months=FULL_YEAR, indicator__in=[K.RD_EXPENDITURE, K.RD_INTENSITY]
    ).order_by("county", "indicator")
    evidence: QuerySet = (
        officials if rd.is_official or intensity.is_official else stats_counted(scope, year, 12)
    )
    if rd.value is None and intensity.value is None:
        return Result(None, _("暂无%(y)s年R&D经费数据") % {"y": year}, evidence)
    text = _lead(rd, intensity) + _span(year, rd.months if rd.value is not None else intensity.months)
    if rd.value is not None:
        text += _("R&D经费支出%(m)s%(c)s") % {
            "m": sel.show_value(rd.key, rd.value),
            "c": _change_text(rd, against=""),
        }
    if intensity.value is not None:
        text += (_("，占GDP比重%(p)s") if rd.value is not None else _("R&D经费支出占GDP比重%(p)s")) % {
            "p": sel.show_value(intensity.key, intensity.value)
        }
        change = intensity.change
        if change is not None:
            text += _("，比上年%(p)s") % {"p": sel.show_change(intensity.key, change)}
    both = (
        _joint_rank_text(rd, intensity, totals)
        if rd.value is not None and intensity.value is not None
        else ""
    )
    joint = {w for w in (str(_("全省")), str(_("全市"))) if w in both}
    text += both
    if rd.value is not None:
        text += _single_ranks(rd, _("R&D经费支出"), joint, totals)
    if intensity.value is not None:
        text += _single_ranks(intensity, _("占GDP比重"), joint, totals)
    if not rd.is_official and not intensity.is_official:
        text += _("（平台根据企业统计报表计算）")
    return Result(rd.value, text, evidence)


def _published_in(official: OfficialFigure | None, year: int) -> bool:
    """A published figure counts for the summary of `year` once it is out by then (a monitoring report of
    year Y comes out in Y+1; one entered without its date is taken as published the year after its data)."""
    if official is None:
        return False
    return (official.published_on.year if official.published_on else official.year + 1) <= year


@figure("rnd.target_attainment", section=SECTION, label=gettext_lazy("目标任务完成情况"), unit="项")
def target_attainment(scope: Region, period: Period) -> Result:
    """The targets whose data are published in the summary's year: last year's, against last year's full-year
    figures (the published ones, else computed), and this year's, against the latest figure of the year so
    far. Met means at least (≥, 以上) or above (>, 超过) the target value."""
    year, up_to = period.year, period.end.month
    targets = (
        Target.objects.filter(in_scope(scope), year__in=[year - 1, year])
        .select_related("county")
        .order_by("year", "county", "indicator")
    )
    items = list(targets)
    if not items:
        return Result(0, _("暂无%(a)s、%(b)s年度R&D相关目标") % {"a": year - 1, "b": year}, targets)
    counties = {t.county_id for t in items}
    keys = {t.indicator for t in items}
    rows: dict[tuple[int, str, str], Indicator] = {}
    spans = (
        Q(year=year - 1, months=FULL_YEAR)
        | Q(year=year, months__lte=up_to)
        | Q(year=year, key__in=sel.ANNUAL_ONLY, months=FULL_YEAR)
    )
    for i in Indicator.objects.filter(spans, county_id__in=counties, key__in=keys).order_by("months"):
        rows[(i.year, i.county_id, i.key)] = i  # the longest span wins
    officials: dict[tuple[int, str, str], OfficialFigure] = {}
    for o in OfficialFigure.objects.filter(
        county_id__in=counties, year__in=[year - 1, year], indicator__in=keys
    ).order_by("months"):
        if o.year == year - 1 and (o.months != FULL_YEAR or not _published_in(o, year)):
            continue
        if o.year == year and o.months > up_to:
            continue
        officials[(o.year, o.county_id, o.indicator)] = o  # the longest span wins
    met = 0
    done: dict[int, list[str]] = {year - 1: [], year: []}
    other: dict[int, list[str]] = {year - 1: [], year: []}
    for t in items:
        where = "" if _is_county(scope) else t.county.name
        phrase = where + sel.target_phrase(t)
        official, row = (
            officials.get((t.year, t.county_id, t.indicator)),
            rows.get((t.year, t.county_id, t.indicator)),
        )
        if official is not None and (row is None or official.months >= row.months):
            actual: Decimal | None = official.fraction
            months = official.months
        else:
            actual, months = (row.value, row.months) if row else (None, FULL_YEAR)
        if actual is None:
            other[t.year].append(_("“%(t)s”尚无实际数") % {"t": phrase})
            continue
        result = sel.attainment(
            t.indicator, actual, t.fraction, above=t.comparison == Target.Comparison.ABOVE
        )
        met += result.met
        if result.met and months == FULL_YEAR:
            done[t.year].append(phrase)
            continue
        span = "" if months == FULL_YEAR else sel.span_label(months)
        state = (_("已达到") if result.met else _("未完成")) if months == FULL_YEAR else result.text
        other[t.year].append(
            _("“%(t)s”，%(s)s实际%(a)s，%(state)s")
            % {"t": phrase, "s": span, "a": sel.show_value(t.indicator, actual), "state": state}
        )
    parts = []
    for y in (year - 1, year):
        if done[y]:
            parts.append(_("已完成原制定的%(y)s年度“%(t)s”的目标") % {"y": y, "t": "、".join(done[y])})
        if other[y]:
            parts.append(_("%(y)s年度目标中，%(t)s") % {"y": y, "t": "；".join(other[y])})
    return Result(met, "；".join(parts), targets)


def _whole(scope: Region) -> str:
    """全县 / 全区 / 全市 / 全省: how a region's own summary names all of it."""
    return _("全%(c)s") % {"c": scope.name[-1:] or "县"}


def _on_roster(year: int) -> Exists:
    return Exists(
        OrganisationYear.objects.filter(organisation=OuterRef("organisation"), year=year, is_above_scale=True)
    )


def caliber(scope: Region, year: int, months: int) -> tuple[Q, bool]:
    """Which enterprises a year-to-date R&D figure counts, the same in both years (同口径): in a county whose
    规上 list of the year is entered, the enterprises on it; in a county without one, the enterprises that
    reported in the year. Returns the filter on EnterpriseStat and whether every county had its list."""
    rostered = {
        code
        for code in OrganisationYear.objects.filter(
            local_in(scope.prefix, "organisation"), year=year, is_above_scale=True
        ).values_list("organisation__county_id", flat=True)
    }
    reporters = (
        EnterpriseStat.objects.filter(in_scope(scope), year=year, last_month__lte=months)
        .exclude(county_id__in=rostered)
        .values("organisation_id")
    )
    listed = Q(_on_roster(year), county_id__in=rostered)
    others = EnterpriseStat.objects.filter(in_scope(scope), year=year).exclude(county_id__in=rostered)
    return listed | Q(organisation_id__in=reporters), bool(rostered) and not others.exists()


@figure("rnd.rd_ytd", section=SECTION, label=gettext_lazy("企业R&D经费统计申报数（本年累计）"), unit="元")
def rd_ytd(scope: Region, period: Period) -> Result:
    """The enterprises' reported R&D of the year to date and its growth on the same enterprises a year
    before (同口径): those on the year's 规上 list (kechuang.core OrganisationYear), or, where the list is not
    entered, those that reported in the year. Enterprises off the list count in neither year."""
    year = period.year
    reached = EnterpriseStat.objects.filter(
        in_scope(scope), year=year, last_month__lte=period.end.month
    ).aggregate(m=Max("last_month"))["m"]
    if reached is None:
        return Result(None, _("暂无%(y)s年企业R&D经费统计数据") % {"y": year}, EnterpriseStat.objects.none())
    which, listed = caliber(scope, year, reached)
    evidence = stats_counted(scope, year, reached).filter(which, rd_expenditure__gt=0)
    now = evidence.aggregate(s=Sum("rd_expenditure"))["s"]
    if not now:
        return Result(None, _("暂无%(y)s年企业R&D经费统计数据") % {"y": year}, evidence)
    before = EnterpriseStat.objects.filter(in_scope(scope), year=year - 1, last_month__lte=reached).filter(
        which
    )
    previous = before.aggregate(s=Sum("rd_expenditure"))["s"]
    change = growth(now, previous) if previous else None
    text = _("%(s)s，%(w)s企业R&D经费统计申报数为%(v)s") % {
        "s": _span(year, reached), "w": _whole(scope), "v": units.money(now),
    }  # fmt: skip
    if change is not None:
        text += _("，同口径同比%(g)s") % {"g": sel.show_growth(change)}
    else:
        text += _("，上年同期无可比数据")
    if not listed:
        text += _("（%(y)s年度规上工业企业名录未录入的，按当年报送企业同口径比较）") % {"y": year}
    return Result(now, text, evidence)


@figure("rnd.above_scale_count", section=SECTION, label=gettext_lazy("纳入统计的规上工业企业"), unit="家")
def above_scale_count(scope: Region, period: Period) -> Result:
    """The year's statistics roster: enterprises of the scope on the year's 规上 list."""
    year = period.year

    def listed(y: int) -> QuerySet[Organisation]:
        flag = OrganisationYear.objects.filter(organisation=OuterRef("pk"), year=y, is_above_scale=True)
        return Organisation.objects.filter(
            Exists(flag), local_in(scope.prefix), kind=Organisation.Kind.ENTERPRISE
        )

    now = listed(year).order_by("name", "pk")
    n = len(now)  # evaluated: the names are few, and the evidence count then costs no query
    before = listed(year - 1).count() if n else 0
    if not n:
        return Result(None, _("%(y)s年度规上工业企业名录尚未录入") % {"y": year}, now)
    text = _("%(w)s纳入%(y)s年度统计的规上工业企业共%(n)s家") % {"w": _whole(scope), "y": year, "n": n}
    if before:
        text += (
            _("，与上年持平")
            if n == before
            else _("，比上年%(c)s") % {"c": sel.show_change(K.ABOVE_SCALE_COUNT, n - before)}
        )
    return Result(n, text, now)


def _high_tech_evidence(scope: Region, m: Measure) -> QuerySet:
    if m.is_official and m.quote is not None and m.quote.official is not None:
        return OfficialFigure.objects.filter(pk=m.quote.official.pk)
    return stats_counted(scope, m.year, m.months).filter(high_tech_value_added__gt=0)


@figure("rnd.high_tech_va", section=SECTION, label=gettext_lazy("高新技术产业增加值（本年累计）"), unit="元")
def high_tech_va(scope: Region, period: Period) -> Result:
    """The county's figure as the statistics bureau publishes it for the span (with its city rank) when
    entered, else the sum of the enterprises' returns."""
    m = measure(scope, period.year, K.HIGH_TECH_VA, period.end.month)
    evidence = _high_tech_evidence(scope, m)
    if m.value is None:
        return Result(None, _("暂无%(y)s年高新技术产业增加值数据") % {"y": period.year}, evidence)
    text = _("%(s)s高新技术产业增加值%(v)s%(c)s%(r)s") % {
        "s": _span(period.year, m.months), "v": sel.show_value(m.key, m.value), "c": _change_text(m, against=""),
        "r": _rank_text(m, {}, province=False),
    }  # fmt: skip
    return Result(m.value, text + _source_text(m), evidence)


@figure(
    "rnd.high_tech_share",
    section=SECTION,
    label=gettext_lazy("高新技术产业增加值占规上工业增加值比重"),
    unit="%",
)
def high_tech_share(scope: Region, period: Period) -> Result:
    m = measure(scope, period.year, K.HIGH_TECH_SHARE, period.end.month)
    evidence = _high_tech_evidence(scope, m)
    if m.value is None:
        return Result(None, _("暂无%(y)s年高新技术产业增加值占比数据") % {"y": period.year}, evidence)
    text = _("%(s)s高新技术产业增加值占规上工业增加值比重%(v)s%(c)s%(r)s") % {
        "s": _span(period.year, m.months), "v": sel.show_value(m.key, m.value),
        "c": _change_text(m, against=_("上年同期")), "r": _rank_text(m, {}, province=False),
    }  # fmt: skip
    return Result(m.value, text + _source_text(m), evidence)
