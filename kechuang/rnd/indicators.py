"""County indicators, computed once per input change and stored as `Indicator` rows (DESIGN.md: rankings
read precomputed rows, not live aggregations over every enterprise).

For a year Y and a span January–m:
- R&D expenditure: the enterprises' reported R&D expenditure inside the span (their periods ending by m);
- its growth: against the same span of Y−1 as the data stand now (the prior year as revised);
- R&D intensity: R&D ÷ GDP of the span; its change in 百分点 (difference of the published, rounded values);
- high-tech industry value added, and its share of the county's above-scale industrial value added;
- above-scale industrial enterprise count (the year's 规上 list; stored for the full year only).

Each value is rounded half-up (amounts to the fen, shares to 0.01 of a percent); ranks are taken on the
rounded values among the counties of the same province and city that have the figure, ties sharing a
rank (1, 2, 2, 4)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from kechuang.core.models import Organisation, OrganisationYear

from .models import (
    AMOUNT,
    COUNT,
    KIND_OF,
    SHARE,
    ZERO,
    CountyEconomy,
    EnterpriseStat,
    Indicator,
    IndicatorKey,
)

K = TypeVar("K", bound=Hashable)
CENT = Decimal("0.01")
SHARE_PLACES = Decimal("0.0001")  # 0.01 of a percent
Key = IndicatorKey


def rounded(key: str, value: Decimal) -> Decimal:
    kind = KIND_OF[IndicatorKey(key)]
    if kind == SHARE:
        return value.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)
    if kind == AMOUNT:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return value


def ratio(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if whole is None or whole <= 0:
        return None
    return rounded(Key.RD_INTENSITY, part / whole)


def growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Growth of an amount as a fraction, from the exact amounts, rounded half-up."""
    if current is None or previous is None or previous <= 0:
        return None
    return ((current - previous) / previous).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def competition_ranks(values: dict[K, Decimal]) -> dict[K, int]:
    """Rank 1 for the largest value; equal values share a rank and the next rank skips (1, 2, 2, 4)."""
    first: dict[Decimal, int] = {}
    for position, value in enumerate(sorted(values.values(), reverse=True), start=1):
        first.setdefault(value, position)
    return {k: first[v] for k, v in values.items()}


def _cumulative(
    rows: Iterable[dict], fields: tuple[str, ...]
) -> dict[tuple[str, int], dict[int, dict[str, Decimal]]]:
    """(county, year) → {m: {field: sum of the periods ending in 1..m}} up to the latest month reported."""
    per_month: dict[tuple[str, int], dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        bucket = per_month[(row["county_id"], row["year"])][row["last_month"]]
        for name in fields:
            bucket[name] = bucket.get(name, ZERO) + (row[name] or ZERO)
    result: dict[tuple[str, int], dict[int, dict[str, Decimal]]] = {}
    for key, months in per_month.items():
        running = dict.fromkeys(fields, ZERO)
        first, last = min(months), max(months)
        result[key] = {}
        for m in range(1, last + 1):  # no figure past the county's latest reported month
            for name in fields:
                running[name] += months.get(m, {}).get(name, ZERO)
            if m >= first:
                result[key][m] = dict(running)
    return result


def _stat_sums(years: list[int]) -> dict[tuple[str, int], dict[int, dict[str, Decimal]]]:
    rows = (
        EnterpriseStat.objects.filter(year__in=years)
        .values("county_id", "year", "last_month")
        .annotate(rd_expenditure=Sum("rd_expenditure"), high_tech_value_added=Sum("high_tech_value_added"))
        .order_by()
    )
    return _cumulative(rows, ("rd_expenditure", "high_tech_value_added"))


def _economy(years: list[int]) -> dict[tuple[str, int, int], CountyEconomy]:
    return {(e.county_id, e.year, e.months): e for e in CountyEconomy.objects.filter(year__in=years)}


def _above_scale_counts(years: list[int]) -> dict[tuple[str, int], int]:
    rows = (
        OrganisationYear.objects.filter(
            year__in=years, is_above_scale=True, organisation__kind=Organisation.Kind.ENTERPRISE
        )
        .values("organisation__region_id", "year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for row in rows:
        counts[(row["organisation__region_id"][:6], row["year"])] += row["n"]
    return dict(counts)


def _last_month(year: int) -> int:
    """The latest month any county has data for in the year (statistics or economy)."""
    stat = EnterpriseStat.objects.filter(year=year).aggregate(m=Max("last_month"))["m"] or 0
    economy = CountyEconomy.objects.filter(year=year).aggregate(m=Max("months"))["m"] or 0
    return max(stat, economy)


def compute_year(year: int) -> list[Indicator]:
    """Every county's indicators of the year (unsaved rows, ranks included)."""
    years = [year - 1, year]
    sums = _stat_sums(years)
    economy = _economy(years)
    counts = _above_scale_counts(years)
    last = _last_month(year)
    values: dict[tuple[str, int, str], tuple[Decimal, Decimal | None, Decimal | None]] = {}

    def put(
        county: str,
        months: int,
        key: str,
        value: Decimal | None,
        previous: Decimal | None,
        change: Decimal | None,
    ) -> None:
        if value is not None:
            values[(county, months, key)] = (value, previous, change)

    counties = {c for (c, y) in sums if y == year} | {c for (c, y, _m) in economy if y == year}
    for county in counties:
        now = sums.get((county, year), {})
        before = sums.get((county, year - 1), {})
        for m in range(1, last + 1):
            cur, prev = now.get(m), before.get(m)
            # An amount no enterprise reported is missing, not zero (the columns default to 0): the county
            # then has no figure, and nothing says "0万元" or "0.00%".
            rd = rounded(Key.RD_EXPENDITURE, cur["rd_expenditure"]) if cur and cur["rd_expenditure"] else None
            rd_prev = (
                rounded(Key.RD_EXPENDITURE, prev["rd_expenditure"])
                if prev and prev["rd_expenditure"]
                else None
            )
            put(county, m, Key.RD_EXPENDITURE, rd, rd_prev, growth(rd, rd_prev))
            put(county, m, Key.RD_GROWTH, growth(rd, rd_prev), None, None)
            econ, econ_prev = economy.get((county, year, m)), economy.get((county, year - 1, m))
            intensity = ratio(rd, econ.gdp) if rd is not None and econ else None
            intensity_prev = ratio(rd_prev, econ_prev.gdp) if rd_prev is not None and econ_prev else None
            put(
                county, m, Key.RD_INTENSITY, intensity, intensity_prev,
                intensity - intensity_prev if intensity is not None and intensity_prev is not None else None,
            )  # fmt: skip
            ht = (
                rounded(Key.HIGH_TECH_VA, cur["high_tech_value_added"])
                if cur and cur["high_tech_value_added"]
                else None
            )
            ht_prev = (
                rounded(Key.HIGH_TECH_VA, prev["high_tech_value_added"])
                if prev and prev["high_tech_value_added"]
                else None
            )
            put(county, m, Key.HIGH_TECH_VA, ht, ht_prev, growth(ht, ht_prev))
            share = ratio(ht, econ.above_scale_value_added) if ht is not None and econ else None
            share_prev = (
                ratio(ht_prev, econ_prev.above_scale_value_added)
                if ht_prev is not None and econ_prev
                else None
            )
            put(
                county, m, Key.HIGH_TECH_SHARE, share, share_prev,
                share - share_prev if share is not None and share_prev is not None else None,
            )  # fmt: skip
    for (county, y), n in counts.items():
        if y == year:
            prev_n = counts.get((county, year - 1))
            put(
                county, 12, Key.ABOVE_SCALE_COUNT, Decimal(n),
                Decimal(prev_n) if prev_n is not None else None,
                Decimal(n - prev_n) if prev_n is not None else None,
            )  # fmt: skip

    # Ranks within each (months, key) among the counties of a province, and of a city.
    stamp = timezone.now()
    groups: dict[tuple[int, str, str], dict[str, Decimal]] = defaultdict(dict)
    for (county, months, key), (value, _p, _c) in values.items():
        groups[(months, key, county[:2])][county] = value
        groups[(months, key, county[:4])][county] = value
    ranks: dict[tuple[int, str, str], int] = {}
    sizes: dict[tuple[int, str, str], int] = {}
    for (months, key, prefix), members in groups.items():
        for county, rank in competition_ranks(members).items():
            ranks[(months, key, county + ("p" if len(prefix) == 2 else "c"))] = rank
            sizes[(months, key, county + ("p" if len(prefix) == 2 else "c"))] = len(members)
    rows = []
    for (county, months, key), (value, previous, change) in values.items():
        rows.append(
            Indicator(
                county_id=county,
                year=year,
                months=months,
                key=key,
                value=value,
                previous=previous,
                change=change,
                province_rank=ranks[(months, key, county + "p")],
                province_count=sizes[(months, key, county + "p")],
                city_rank=ranks[(months, key, county + "c")],
                city_count=sizes[(months, key, county + "c")],
                refreshed_at=stamp,
            )  # fmt: skip
        )
    return rows


def refresh(years: Iterable[int]) -> int:
    """Recompute the indicators of these years and of the year after each (whose growth and change
    depend on it). Returns the number of rows written."""
    wanted = set(years)
    following = {y + 1 for y in wanted}
    have = set(EnterpriseStat.objects.filter(year__in=following).values_list("year", flat=True).distinct())
    have |= set(CountyEconomy.objects.filter(year__in=following).values_list("year", flat=True).distinct())
    # The 规上 count of the following year has this year's list as its previous figure.
    have |= set(OrganisationYear.objects.filter(year__in=following).values_list("year", flat=True).distinct())
    written = 0
    with transaction.atomic():
        for year in sorted(wanted | have):
            rows = compute_year(year)
            Indicator.objects.filter(year=year).delete()
            Indicator.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
    return written


__all__ = [
    "AMOUNT",
    "COUNT",
    "SHARE",
    "competition_ranks",
    "compute_year",
    "growth",
    "ratio",
    "refresh",
    "rounded",
]
