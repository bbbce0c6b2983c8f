"""Reads of the county indicators: which counties a user may read, the indicator table of a county and
span, the ranking tables, and the value a report quotes (the official figure when there is one).

Everything here reads the precomputed `Indicator` rows (kechuang.rnd.indicators refreshes them when an input
changes), never aggregates over the enterprises. The indicator page, the dashboard, the API and the report
figures all take their numbers from these functions.

Who reads what: the indicators of a county are read by the region roles over it (its staff and leaders,
the city and the province). The ranking tables list every county of the province (or city) with its value:
the province publishes the same table in its monitoring report, and a rank means nothing without the
others, so any region reader may read them. The data-entry registers stay county-scoped
(permissions.visible)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kechuang.core import permissions, units
from kechuang.core.models import Region, Role

from .indicators import SHARE_PLACES, growth
from .models import AMOUNT, COUNT, KIND_OF, SHARE, Indicator, IndicatorKey, OfficialFigure, Target

K = IndicatorKey
KEYS: list[str] = [str(k) for k in IndicatorKey]  # the order pages and tables list them
FULL_YEAR = 12
# Indicators stored for the full year only (the year's 规上 list); other spans show the year's figure.
ANNUAL_ONLY = {str(K.ABOVE_SCALE_COUNT)}
SCOPES = ("province", "city")


def kind_of(key: str) -> str:
    return KIND_OF[IndicatorKey(key)]


def label_of(key: str) -> str:
    return str(IndicatorKey(key).label)


# --- display ----------------------------------------------------------------------------------------------------


def show_value(key: str, value: Decimal | int | None) -> str:
    """A value as the summary writes it: 万元/亿元, 2.35%, 12家."""
    if value is None:
        return "—"
    kind = kind_of(key)
    if kind == AMOUNT:
        return units.money(value)
    if kind == SHARE:
        return units.percent(value)
    return _("%(n)s家") % {"n": int(value)}


def target_phrase(target: Target) -> str:
    """A target as a bureau states it: R&D经费支出1亿元以上, R&D经费投入强度超过0.70%."""
    value = show_value(target.indicator, target.fraction)
    if kind_of(target.indicator) == AMOUNT:  # a round target reads "1亿元", not "1.00亿元"
        value = re.sub(r"\.0+(?=[万亿])", "", value)
    if target.comparison == Target.Comparison.ABOVE:
        return _("%(l)s超过%(v)s") % {"l": label_of(target.indicator), "v": value}
    return _("%(l)s%(v)s以上") % {"l": label_of(target.indicator), "v": value}


def show_change(key: str, change: Decimal | int | None) -> str:
    """The change against the prior year: growth in % for amounts, 百分点 for shares, ±N家 for counts."""
    if change is None:
        return "—"
    kind = kind_of(key)
    if kind == AMOUNT:
        return show_growth(Decimal(change))
    if kind == SHARE:
        return units.points(change)
    n = int(change)
    if n == 0:
        return _("与上年持平")
    return _("增加%(n)s家") % {"n": n} if n > 0 else _("减少%(n)s家") % {"n": -n}


def show_growth(fraction: Decimal) -> str:
    """0.1234 → 增长12.34%; −0.05 → 下降5.00%."""
    if fraction < 0:
        return _("下降%(p)s") % {"p": units.percent(-fraction)}
    return _("增长%(p)s") % {"p": units.percent(fraction)}


def rank_text(rank: int | None, count: int | None = None) -> str:
    if not rank:
        return "—"
    return _("第%(r)s/%(n)s位") % {"r": rank, "n": count} if count else _("第%(r)s位") % {"r": rank}


def span_label(months: int) -> str:
    return _("全年") if months == FULL_YEAR else (_("1月") if months == 1 else _("1-%(m)s月") % {"m": months})


# --- who reads which county -------------------------------------------------------------------------------------


def may_read(user: Any) -> bool:
    return permissions.has_role(user, *permissions.READ_REGION_ROLES)


def readable_counties(user: Any) -> QuerySet[Region]:
    prefixes = permissions.region_prefixes(user)
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(code__startswith=prefix)
    return Region.objects.filter(q, level=Region.Level.COUNTY).order_by("code")


def may_read_county(user: Any, county: Region | str) -> bool:
    code = county.code if isinstance(county, Region) else county
    return any(code.startswith(p) for p in permissions.region_prefixes(user))


def home_county(user: Any) -> Region | None:
    """The county of the user's staff or leader role (their own county), if any."""
    for r in permissions.roles_of(user):
        if (
            r.role in (Role.STAFF, Role.LEADER)
            and r.region is not None
            and r.region.level == Region.Level.COUNTY
        ):
            return r.region
    return None


def pick_county(user: Any, code: str | None) -> Region | None:
    """The county asked for if the user may read it, else their own, else the first they may read."""
    if code:
        chosen = readable_counties(user).filter(code=code).first()
        if chosen is not None:
            return chosen
    return home_county(user) or readable_counties(user).first()


def periods_of(county: Region) -> dict[int, list[int]]:
    """year → the spans (months) that have indicator rows, newest year first."""
    found: dict[int, set[int]] = {}
    rows = Indicator.objects.filter(county=county).values_list("year", "months", "key").distinct()
    for year, months, key in rows:
        spans = found.setdefault(year, set())
        if key not in ANNUAL_ONLY:  # the year's 规上 count alone does not make the year complete
            spans.add(months)
    return {y: sorted(found[y] or {FULL_YEAR}) for y in sorted(found, reverse=True)}


def pick_period(periods: dict[int, list[int]], year: Any, months: Any) -> tuple[int | None, int]:
    """The year and span asked for, defaulting to the latest year and its latest span."""
    y = int(year) if str(year or "").isdigit() and int(year) in periods else next(iter(periods), None)
    if y is None:
        return None, FULL_YEAR
    m = int(months) if str(months or "").isdigit() and 1 <= int(months) <= FULL_YEAR else None
    return y, m or max(periods[y])


# --- the indicator table ----------------------------------------------------------------------------------------


@dataclass
class Line:
    """One indicator of a county and span: the computed row, the year's target and official figure."""

    key: str
    months: int
    indicator: Indicator | None
    target: Target | None = None
    official: OfficialFigure | None = None
    # How many counties the region tree holds in the county's province and city (None: not asked).
    province_total: int | None = None
    city_total: int | None = None

    @property
    def label(self) -> str:
        return label_of(self.key)

    @property
    def kind(self) -> str:
        return kind_of(self.key)

    @property
    def value(self) -> Decimal | None:
        return self.indicator.value if self.indicator else None

    @property
    def shown(self) -> str:
        return show_value(self.key, self.value)

    @property
    def previous_shown(self) -> str:
        return show_value(self.key, self.indicator.previous if self.indicator else None)

    @property
    def change_shown(self) -> str:
        return show_change(self.key, self.indicator.change if self.indicator else None)

    # The platform's own ranks, shown only over a complete province or city (as the figures quote them):
    # a rank among the counties that happen to be in the platform is not one to read off the page.
    def _computed_rank(self, province: bool) -> str:
        i = self.indicator
        if i is None:
            return "—"
        rank, count = (i.province_rank, i.province_count) if province else (i.city_rank, i.city_count)
        total = self.province_total if province else self.city_total
        return rank_text(rank, count) if rank and count and count == total else "—"

    def _rank_note(self, province: bool) -> str:
        i = self.indicator
        count = (i.province_count if province else i.city_count) if i else None
        total = self.province_total if province else self.city_total
        if i is None or not count or count == total:
            return ""
        return _(
            "平台只有%(w)s%(t)s个县（市、区）中%(n)s个的数据，平台计算的排名不作引用；正式排名请录入公布数据。"
        ) % {"w": _("全省") if province else _("全市"), "t": total, "n": count}

    @property
    def province_rank(self) -> str:
        return self._computed_rank(True)

    @property
    def city_rank(self) -> str:
        return self._computed_rank(False)

    @property
    def province_rank_note(self) -> str:
        return self._rank_note(True)

    @property
    def city_rank_note(self) -> str:
        return self._rank_note(False)

    @property
    def target_shown(self) -> str:
        return show_value(self.key, self.target.fraction) if self.target else "—"

    @property
    def attainment(self) -> Attainment | None:
        if self.target is None or self.value is None:
            return None
        return attainment(
            self.key,
            self.value,
            self.target.fraction,
            above=self.target.comparison == Target.Comparison.ABOVE,
        )

    @property
    def official_value(self) -> Decimal | None:
        """The published figure of the same span (a year's, or a year-to-date one such as 1-9月)."""
        return self.official.fraction if self.official and self.official.months == self.months else None

    @property
    def official_ranks(self) -> str:
        """The published ranks with their denominators: 全省89个县（市、区）第29位、全市6个县（市、区）第1位."""
        o = self.official
        if o is None or self.official_value is None:
            return ""
        return "、".join(
            _("%(w)s%(n)s个县（市、区）第%(r)s位") % {"w": w, "n": n, "r": r}
            for w, r, n in (
                (_("全省"), o.province_rank, o.province_count),
                (_("全市"), o.city_rank, o.city_count),
            )
            if r and n
        )

    @property
    def official_shown(self) -> str:
        return show_value(self.key, self.official_value)

    @property
    def difference(self) -> Decimal | None:
        """Official − computed (the computed value is there to check the published one)."""
        if self.official_value is None or self.value is None:
            return None
        return self.official_value - self.value

    @property
    def difference_shown(self) -> str:
        d = self.difference
        if d is None:
            return "—"
        if self.kind == SHARE:
            return units.points(d)
        if self.kind == AMOUNT:
            return ("+" if d >= 0 else "−") + units.money(abs(d))
        return f"{int(d):+d}"


@dataclass
class Attainment:
    met: bool
    text: str  # 完成目标的98.50% / 高于目标0.10个百分点


def attainment(key: str, actual: Decimal, target: Decimal, *, above: bool = False) -> Attainment:
    """Amounts and counts: the share of the target reached; shares and rates: the gap in 百分点. A target
    "超过" (`above`) is met only by a value above it, a target "以上" by one at least equal to it."""
    if kind_of(key) == SHARE:
        gap = (actual - target).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        points = f"{(abs(gap) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
        if gap > 0 or (gap == 0 and not above):
            return Attainment(True, _("达到目标（高出%(p)s个百分点）") % {"p": points})
        return Attainment(False, _("低于目标%(p)s个百分点") % {"p": points})
    if target <= 0:
        return Attainment(actual >= target, _("目标为零"))
    share = (Decimal(actual) / target).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
    met = actual > target if above else actual >= target
    return Attainment(met, _("完成目标的%(p)s") % {"p": units.percent(share)})


def indicator_lines(county: Region, year: int, months: int) -> list[Line]:
    """Every indicator of the county for the span January–`months` (three queries; two more, the counties
    of its province and city, when it has computed rows)."""
    rows = {
        (i.key, i.months): i
        for i in Indicator.objects.filter(county=county, year=year, months__in={months, FULL_YEAR})
    }
    targets = {t.indicator: t for t in Target.objects.filter(county=county, year=year)}
    officials = {
        (o.indicator, o.months): o
        for o in OfficialFigure.objects.filter(county=county, year=year, months__in={months, FULL_YEAR})
    }
    code = county.code
    totals = (counties_under(code[:2]), counties_under(code[:4])) if rows else (None, None)
    lines = []
    for key in KEYS:
        m = FULL_YEAR if key in ANNUAL_ONLY else months
        lines.append(Line(key, m, rows.get((key, m)), targets.get(key), officials.get((key, m)), *totals))
    return lines


def counties_under(prefix: str, memo: dict[str, int] | None = None) -> int:
    """How many counties the region tree holds under a province's two digits or a city's four (`memo`
    keeps the answers of one report, which asks about the same province and city several times)."""
    if memo is not None and prefix in memo:
        return memo[prefix]
    n = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).count()
    if memo is not None:
        memo[prefix] = n
    return n


def holds_every_county(
    indicator: Indicator | None, *, province: bool, memo: dict[str, int] | None = None
) -> bool:
    """Whether a rank the platform computed may be quoted: every county of the province (or city) has the
    figure for that period, so the rank is the one the province (or city) itself would publish."""
    if indicator is None:
        return False
    count = indicator.province_count if province else indicator.city_count
    prefix = indicator.county_id[:2] if province else indicator.county_id[:4]
    return bool(count) and count == counties_under(prefix, memo)


def rank_quotable(quote: Quote | None, *, province: bool, memo: dict[str, int] | None = None) -> bool:
    """Whether the rank a Quote carries may be shown as a rank: a published one (with its denominator), or
    one the platform computed over every county of the province (or city)."""
    if quote is None or not (quote.province_rank if province else quote.city_rank):
        return False
    if quote.is_official:
        return bool(quote.province_count if province else quote.city_count)
    return holds_every_county(quote.indicator, province=province, memo=memo)


def quote_rank_text(quote: Quote | None, *, province: bool, memo: dict[str, int] | None = None) -> str:
    """第29/89位 when the rank may be quoted (rank_quotable), else —."""
    if quote is None or not rank_quotable(quote, province=province, memo=memo):
        return "—"
    if province:
        return rank_text(quote.province_rank, quote.province_count)
    return rank_text(quote.city_rank, quote.city_count)


def ranking(key: str, year: int, months: int, prefix: str) -> list[Indicator]:
    """The counties under `prefix` (a province's two digits or a city's four) that have the indicator,
    best first; equal values share a rank."""
    order = "province_rank" if len(prefix) == 2 else "city_rank"
    return list(
        Indicator.objects.filter(key=key, year=year, months=months, county__code__startswith=prefix)
        .select_related("county__parent")
        .order_by(order, "county__code")
    )


# --- what a report quotes ----------------------------------------------------------------------------------------


@dataclass
class Quote:
    """A county's figure of a year as a report quotes it: the official value when published, else the
    computed one; the previous year likewise (the prior year as it stands now, i.e. as revised)."""

    key: str
    year: int
    months: int
    value: Decimal | None
    previous: Decimal | None
    official: OfficialFigure | None
    indicator: Indicator | None
    previous_official: OfficialFigure | None = None

    @property
    def is_official(self) -> bool:
        return self.official is not None

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        kind = kind_of(self.key)
        if kind == AMOUNT:
            return growth(self.value, self.previous)
        if kind == SHARE:
            return (self.value - self.previous).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
        return self.value - self.previous

    # Ranks go with the value quoted: the published ranks with a published value (none when not entered),
    # else the ranks among the counties in the database, with how many they are.
    @property
    def province_rank(self) -> int | None:
        if self.official is not None:
            return self.official.province_rank
        return self.indicator.province_rank if self.indicator else None

    @property
    def province_count(self) -> int | None:
        if self.official is not None:
            return self.official.province_count
        return self.indicator.province_count if self.indicator else None

    @property
    def city_rank(self) -> int | None:
        if self.official is not None:
            return self.official.city_rank
        return self.indicator.city_rank if self.indicator else None

    @property
    def city_count(self) -> int | None:
        if self.official is not None:
            return self.official.city_count
        return self.indicator.city_count if self.indicator else None

    @property
    def source(self) -> str:
        if self.official is not None:
            return self.official.source or _("公布数")
        return _("平台计算")


Rows = dict[tuple[int, int, str], Indicator]  # (year, months, key) → row
Officials = dict[tuple[int, int, str], OfficialFigure]  # (year, months, key) → published figure


def load(
    county: Region, years: list[int], keys: list[str], months: int | None = None
) -> tuple[Rows, Officials]:
    """The indicator rows (of one span, or of every span) and published figures of these years and the
    years before them, in two queries."""
    wanted = sorted(set(years) | {y - 1 for y in years})
    qs = Indicator.objects.filter(county=county, year__in=wanted, key__in=keys)
    if months is not None:
        qs = qs.filter(months=months)
    rows = {(i.year, i.months, i.key): i for i in qs}
    published = OfficialFigure.objects.filter(county=county, year__in=wanted, indicator__in=keys)
    if months is not None:
        published = published.filter(months=months)
    officials: Officials = {(o.year, o.months, o.indicator): o for o in published}
    return rows, officials


def build_quote(key: str, year: int, months: int, rows: Rows, officials: Officials) -> Quote:
    """The Quote of a key, year and span from loaded rows; a figure published for the same span wins."""
    row, before = rows.get((year, months, key)), rows.get((year - 1, months, key))
    official = officials.get((year, months, key))
    before_official = officials.get((year - 1, months, key))
    value = official.fraction if official else (row.value if row else None)
    # Like with like: a published value against the prior year's published one (when entered), a computed
    # value against the prior year computed from today's data (i.e. as revised).
    if official is not None and before_official is not None:
        previous: Decimal | None = before_official.fraction
    elif row is not None and row.previous is not None:
        previous = row.previous
    else:
        previous = before.value if before else None
    return Quote(key, year, months, value, previous, official, row, before_official if official else None)


def quotes(
    county: Region, years: list[int], keys: list[str], months: int = FULL_YEAR
) -> dict[tuple[int, str], Quote]:
    """(year, key) → Quote for each year and key, in two queries."""
    rows, officials = load(county, years, keys, months)
    return {(y, k): build_quote(k, y, months, rows, officials) for y in years for k in keys}


def quote(county: Region, year: int, key: str, months: int = FULL_YEAR) -> Quote:
    return quotes(county, [year], [key], months)[(year, key)]


def latest_months(county: Region, year: int, key: str, *, up_to: int = FULL_YEAR) -> int | None:
    """The longest span of the year, up to `up_to`, that has the indicator (a year-to-date figure when the
    year is not complete)."""
    return (
        Indicator.objects.filter(county=county, year=year, key=key, months__lte=up_to)
        .order_by("-months")
        .values_list("months", flat=True)
        .first()
    )


__all__ = [
    "AMOUNT",
    "COUNT",
    "KEYS",
    "SHARE",
    "Line",
    "Quote",
    "attainment",
    "indicator_lines",
    "may_read",
    "pick_county",
    "quote",
    "quotes",
    "ranking",
    "readable_counties",
    "show_change",
    "show_value",
]
