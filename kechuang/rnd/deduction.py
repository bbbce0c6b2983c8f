"""The R&D super-deduction (研发费用加计扣除) of an enterprise's year, from its expense collection.

- 其他相关费用 is capped across all projects of the year (国家税务总局公告2021年第28号): the limit is the sum
  of the other five categories × 10% ÷ (1 − 10%); the allowed amount is the smaller of actual and limit.
- The rate comes from the `DeductionRate` table: an enterprise's rate for a month is the highest rate of
  the rows that apply to it on that month's first day (general, manufacturing, S&T SME). For 2022 that
  gives 75% for January–September and 100% for October–December to a general enterprise (公告2022年第28号
  lets it use the actual Q4 expenses, which is what monthly collection records).
- The deduction is each month's five categories at that month's rate, plus the allowed 其他相关费用 at
  the rates of the months it was spent in (in proportion to the actual amounts).

All amounts in 元, rounded half-up to the fen at the end."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from kechuang.core import qualifications
from kechuang.core.models import Organisation

from .models import ZERO, DeductionRate, RndExpense

CENT = Decimal("0.01")
OTHER_SHARE = Decimal("0.1")
CATEGORY_NAMES = [name for name, _label in RndExpense.CATEGORIES]
FIVE = CATEGORY_NAMES[:5]


def _cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def other_limit(five: Decimal) -> Decimal:
    """The cap on 其他相关费用: five × 10% ÷ (1 − 10%)."""
    return _cent(five * OTHER_SHARE / (1 - OTHER_SHARE))


def enterprise_classes(organisation: Organisation, year: int) -> set[str]:
    """Which rows of the rate table can apply to the enterprise in the year: every enterprise, a
    manufacturer (GB/T 4754 门类 C), an S&T SME registered (入库) for the year."""
    classes = {DeductionRate.AppliesTo.ALL.value}
    if organisation.industry_id and organisation.industry and organisation.industry.section == "C":
        classes.add(DeductionRate.AppliesTo.MANUFACTURING.value)
    if qualifications.holds(
        organisation, qualifications.TECH_SME, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    ):
        classes.add(DeductionRate.AppliesTo.TECH_SME.value)
    return classes


def monthly_rates(
    classes: set[str], year: int, rates: list[DeductionRate] | None = None
) -> dict[int, Decimal]:
    """The rate of each month of the year (0 where no row applies)."""
    rows = rates if rates is not None else list(DeductionRate.objects.all())
    result: dict[int, Decimal] = {}
    for month in range(1, 13):
        day = dt.date(year, month, 1)
        applicable = [
            r.rate
            for r in rows
            if r.applies_to in classes
            and r.valid_from <= day
            and (r.valid_until is None or day <= r.valid_until)
        ]
        result[month] = max(applicable, default=ZERO)
    return result


@dataclass
class Deduction:
    year: int
    categories: dict[str, Decimal]  # actual totals of the six categories
    five: Decimal
    other_actual: Decimal
    other_limit: Decimal
    other_allowed: Decimal
    allowed_total: Decimal  # the expenses that count: five + allowed other
    rates: dict[int, Decimal]
    deduction: Decimal  # the extra deduction (加计扣除额)
    classes: set[str] = field(default_factory=set)
    by_month: dict[int, dict[str, Decimal]] = field(default_factory=dict)

    @property
    def other_excess(self) -> Decimal:
        return self.other_actual - self.other_allowed

    @property
    def rate_label(self) -> str:
        """ "100%" or "75%（1-9月）、100%（10-12月）" when the rate changed within the year."""
        spans: list[tuple[int, int, Decimal]] = []
        for month in range(1, 13):
            rate = self.rates[month]
            if spans and spans[-1][2] == rate:
                spans[-1] = (spans[-1][0], month, rate)
            else:
                spans.append((month, month, rate))

        def pct(rate: Decimal) -> str:
            return f"{(rate * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"

        if len(spans) == 1:
            return pct(spans[0][2])
        return "、".join(f"{pct(r)}（{a}-{b}月）" if a != b else f"{pct(r)}（{a}月）" for a, b, r in spans)


def compute(
    months: dict[int, dict[str, Decimal]],
    rates: dict[int, Decimal],
    *,
    year: int,
    classes: set[str] | None = None,
) -> Deduction:
    """The deduction from per-month category totals (all projects summed) and per-month rates."""
    totals = {name: sum((m.get(name, ZERO) for m in months.values()), ZERO) for name in CATEGORY_NAMES}
    five = sum((totals[name] for name in FIVE), ZERO)
    other = totals["other"]
    limit = other_limit(five)
    allowed = min(other, limit)
    extra = sum(
        (sum((m.get(n, ZERO) for n in FIVE), ZERO) * rates[month] for month, m in months.items()), ZERO
    )
    if other > 0:
        weighted = sum((m.get("other", ZERO) * rates[month] for month, m in months.items()), ZERO)
        extra += allowed * weighted / other
    return Deduction(
        year=year,
        categories=totals,
        five=five,
        other_actual=other,
        other_limit=limit,
        other_allowed=allowed,
        allowed_total=five + allowed,
        rates=rates,
        deduction=_cent(extra),
        classes=classes or set(),
        by_month=months,
    )


def expense_months(organisation: Organisation, year: int) -> dict[int, dict[str, Decimal]]:
    """The enterprise's expense collection of the year, all projects summed per month (one query)."""
    rows = (
        RndExpense.objects.filter(project__organisation=organisation, year=year)
        .values("month")
        .annotate(**{name: Sum(name) for name in CATEGORY_NAMES})
    )
    months: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        months[row["month"]] = {name: row[name] or ZERO for name in CATEGORY_NAMES}
    return dict(months)


def deduction_for(organisation: Organisation, year: int) -> Deduction:
    classes = enterprise_classes(organisation, year)
    return compute(
        expense_months(organisation, year), monthly_rates(classes, year), year=year, classes=classes
    )
