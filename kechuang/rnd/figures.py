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

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import units
from kechuang.core.models import Organisation, OrganisationYear, Region
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
            reached = max((m for (y, m, k) in rows if y == year and k == key and m <= months), default=None)
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


def _rank_text(m: Measure, *, province: bool = True, city: bool = True) -> str:
    """Published ranks as published; computed ranks say how many counties they are among (the counties in
    the platform), and are left out when the county is alone there (a one-county installation)."""
    q = m.quote
    if q is None:
        return ""
    wanted = [
        (_("全省"), q.province_rank, q.province_count, province),
        (_("全市"), q.city_rank, q.city_count, city),
    ]
    if q.is_official:
        parts = [_("%(w)s第%(r)s位") % {"w": w, "r": r} for w, r, _n, on in wanted if on and r]
        return _("，居%(p)s") % {"p": "、".join(parts)} if parts else ""
    shown = [(w, r, n) for w, r, n, on in wanted if on and r and n and n > 1]
    if not shown:
        return ""
    if len(shown) == 1:
        ((w, r, n),) = shown
        return _("，在平台内%(w)s%(n)s个县（市、区）中居第%(r)s位") % {"w": w, "n": n, "r": r}
    return _("，在平台内%(w)s县（市、区）中分别居第%(r)s位") % {
        "w": "、".join(_("%(w)s%(n)s个") % {"w": w, "n": n} for w, _r, n in shown),
        "r": "位、第".join(str(r) for _w, r, _n in shown),
    }


def _source_text(m: Measure) -> str:
    if m.is_official and m.quote is not None and m.quote.official is not None:
        return _("（数据来源：%(s)s）") % {"s": m.quote.official.source}
    return ""


# --- the figures --------------------------------------------------------------------------------------------------


@figure("rnd.returns_completed", section=SECTION, label=gettext_lazy("统计报表报送"), unit="家次")
def returns_completed(scope: Region, period: Period) -> Result:
    """Rounds of statistical returns due in the period and their filings (exempt ones are not owed)."""
    rounds = ReturnRound.objects.filter(in_scope(scope), due_on__range=period.range)
    names: list[str] = []
    n = 0
    for name in rounds.order_by("due_on", "pk").values_list("return_type__name", flat=True):
        n += 1
        if name not in names:
            names.append(name)
    filings = ReturnFiling.objects.filter(round__in=rounds)
    submitted = filings.filter(status=ReturnFiling.Status.SUBMITTED).order_by("round__due_on", "pk")
    if not n:
        return Result(0, _("本期没有到期的统计报表"), submitted)
    # Evaluated here (a county files hundreds a year at most): the evidence count then costs no query.
    done = len(submitted)
    owed = filings.exclude(status=ReturnFiling.Status.EXEMPT).count()
    shown = "、".join(names[:3]) + (_("等") if n > min(len(names), 3) else "")
    verb = _("完成") if done >= owed else _("组织")
    text = _("%(v)s%(names)s%(n)s项统计报送，应报%(x)s家次、已报%(y)s家次") % {
        "v": verb, "names": shown, "n": n, "x": owed, "y": done,
    }  # fmt: skip
    if owed and done < owed:
        text += _("，报送率%(p)s") % {"p": units.percent(Decimal(done) / owed)}
    return Result(done, text, submitted)


@figure("rnd.official_rd", section=SECTION, label=gettext_lazy("上年R&D经费支出与投入强度"), unit="元")
def official_rd(scope: Region, period: Period) -> Result:
    """The year before the summary's: R&D expenditure and intensity (the published figures when entered),
    their change on the year before as it stands now, and the ranks."""
    year = period.year - 1
    found = measures(scope, year, [K.RD_EXPENDITURE, K.RD_INTENSITY])
    rd, intensity = found[K.RD_EXPENDITURE], found[K.RD_INTENSITY]
    officials = OfficialFigure.objects.filter(
        in_scope(scope), year=year, indicator__in=[K.RD_EXPENDITURE, K.RD_INTENSITY]
    ).order_by("county", "indicator")
    evidence: QuerySet = (
        officials if rd.is_official or intensity.is_official else stats_counted(scope, year, 12)
    )
    if rd.value is None and intensity.value is None:
        return Result(None, _("尚无%(y)s年R&D经费数据") % {"y": year}, evidence)
    parts = []
    if rd.value is not None:
        parts.append(
            _("%(y)sR&D经费支出%(m)s%(c)s%(s)s")
            % {"y": _span(year, rd.months), "m": sel.show_value(rd.key, rd.value), "c": _change_text(rd, against=""),
               "s": _source_text(rd) if not intensity.is_official else ""}
        )  # fmt: skip
    if intensity.value is not None:
        parts.append(
            _("R&D经费投入强度%(p)s%(c)s%(r)s%(s)s")
            % {"p": sel.show_value(intensity.key, intensity.value),
               "c": _change_text(intensity, against=_("上年")), "r": _rank_text(intensity),
               "s": _source_text(intensity)}
        )  # fmt: skip
    text = "；".join(parts)
    if not rd.is_official and not intensity.is_official:
        text += _("（平台根据企业统计报表计算）")
    return Result(rd.value, text, evidence)


@figure("rnd.target_attainment", section=SECTION, label=gettext_lazy("目标任务完成情况"), unit="项")
def target_attainment(scope: Region, period: Period) -> Result:
    """The year's targets against the latest figure of the year (official when published for the full
    year): amounts and counts as a share of the target, shares and rates as the gap in 百分点."""
    year, up_to = period.year, period.end.month
    targets = (
        Target.objects.filter(in_scope(scope), year=year)
        .select_related("county")
        .order_by("county", "indicator")
    )
    items = list(targets)
    if not items:
        return Result(0, _("%(y)s年未设定R&D相关目标") % {"y": year}, targets)
    counties = {t.county_id for t in items}
    keys = {t.indicator for t in items}
    rows: dict[tuple[str, str], Indicator] = {}
    spans = Q(months__lte=up_to) | Q(key__in=sel.ANNUAL_ONLY, months=FULL_YEAR)
    for i in Indicator.objects.filter(spans, county_id__in=counties, year=year, key__in=keys).order_by(
        "months"
    ):
        rows[(i.county_id, i.key)] = i  # the longest span wins
    officials = {
        (o.county_id, o.indicator): o
        for o in OfficialFigure.objects.filter(county_id__in=counties, year=year, indicator__in=keys)
    }
    met, parts = 0, []
    for t in items:
        official = officials.get((t.county_id, t.indicator))
        row = rows.get((t.county_id, t.indicator))
        actual = official.fraction if official else (row.value if row else None)
        months = FULL_YEAR if official else (row.months if row else FULL_YEAR)
        where = "" if _is_county(scope) else t.county.name
        target_text = sel.show_value(t.indicator, t.fraction)
        if actual is None:
            parts.append(
                _("%(w)s%(l)s目标%(t)s（尚无实际数）")
                % {"w": where, "l": t.get_indicator_display(), "t": target_text}
            )
            continue
        result = sel.attainment(t.indicator, actual, t.fraction)
        met += result.met
        span = "" if months == FULL_YEAR else _("（%(s)s）") % {"s": sel.span_label(months)}
        parts.append(
            _("%(w)s%(l)s目标%(t)s，实际%(a)s%(s)s，%(r)s")
            % {"w": where, "l": t.get_indicator_display(), "t": target_text,
               "a": sel.show_value(t.indicator, actual), "s": span, "r": result.text}
        )  # fmt: skip
    text = _("%(y)s年设定目标%(n)s项，已达到%(m)s项：") % {"y": year, "n": len(items), "m": met} + "；".join(
        parts
    )
    return Result(met, text, targets)


@figure("rnd.rd_ytd", section=SECTION, label=gettext_lazy("R&D经费支出（本年累计）"), unit="元")
def rd_ytd(scope: Region, period: Period) -> Result:
    m = measure(scope, period.year, K.RD_EXPENDITURE, period.end.month)
    evidence = stats_counted(scope, period.year, m.months).filter(rd_expenditure__gt=0)
    if m.value is None:
        return Result(None, _("尚无%(y)s年R&D经费统计数据") % {"y": period.year}, evidence)
    text = _("%(s)sR&D经费支出%(v)s%(c)s") % {
        "s": _span(period.year, m.months), "v": sel.show_value(m.key, m.value), "c": _change_text(m, against=""),
    }  # fmt: skip
    return Result(m.value, text + _source_text(m), evidence)


@figure("rnd.above_scale_count", section=SECTION, label=gettext_lazy("规上工业企业"), unit="家")
def above_scale_count(scope: Region, period: Period) -> Result:
    """The year's 规上 list (as the indicator counts it: enterprises of the scope listed above-scale)."""
    year = period.year

    def listed(y: int) -> QuerySet[Organisation]:
        flag = OrganisationYear.objects.filter(organisation=OuterRef("pk"), year=y, is_above_scale=True)
        return Organisation.objects.filter(
            Exists(flag), kind=Organisation.Kind.ENTERPRISE, region__code__startswith=scope.prefix
        )

    now = listed(year).order_by("name", "pk")
    n = len(now)  # evaluated: the names are few, and the evidence count then costs no query
    before = listed(year - 1).count() if n else 0
    if not n:
        return Result(0, _("%(y)s年规上工业企业名录尚未录入") % {"y": year}, now)
    text = _("%(y)s年规上工业企业%(n)s家") % {"y": year, "n": n}
    if before:
        text += (
            _("，与上年持平")
            if n == before
            else _("，比上年%(c)s") % {"c": sel.show_change(K.ABOVE_SCALE_COUNT, n - before)}
        )
    return Result(n, text, now)


@figure("rnd.high_tech_va", section=SECTION, label=gettext_lazy("高新技术产业增加值（本年累计）"), unit="元")
def high_tech_va(scope: Region, period: Period) -> Result:
    m = measure(scope, period.year, K.HIGH_TECH_VA, period.end.month)
    evidence = stats_counted(scope, period.year, m.months).filter(high_tech_value_added__gt=0)
    if m.value is None:
        return Result(None, _("尚无%(y)s年高新技术产业增加值数据") % {"y": period.year}, evidence)
    text = _("%(s)s高新技术产业增加值%(v)s%(c)s%(r)s") % {
        "s": _span(period.year, m.months), "v": sel.show_value(m.key, m.value), "c": _change_text(m, against=""),
        "r": _rank_text(m, province=False),
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
    evidence = stats_counted(scope, period.year, m.months).filter(high_tech_value_added__gt=0)
    if m.value is None:
        return Result(None, _("尚无%(y)s年高新技术产业增加值占比数据") % {"y": period.year}, evidence)
    text = _("%(s)s高新技术产业增加值占规上工业增加值比重%(v)s%(c)s%(r)s") % {
        "s": _span(period.year, m.months), "v": sel.show_value(m.key, m.value),
        "c": _change_text(m, against=_("上年同期")), "r": _rank_text(m, province=False),
    }  # fmt: skip
    return Result(m.value, text + _source_text(m), evidence)
