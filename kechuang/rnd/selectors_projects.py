"""Reads of enterprises' R&D projects, their expense collection and the super-deduction. Every selector takes
the acting user and returns only what that user may see (permissions.visible): an enterprise its own
projects, the county's region roles the county's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from kechuang.core import permissions
from kechuang.core.models import Organisation

from . import deduction
from .deduction import CATEGORY_NAMES, FIVE, Deduction
from .models import ZERO, DeductionRate, RndExpense, RndProject

MONEY: DecimalField = DecimalField(max_digits=20, decimal_places=2)


def _total_expr(prefix: str = "") -> Any:
    """The six categories of an expense row added up (prefix "expenses__" from a project)."""
    expr: Any = F(f"{prefix}{CATEGORY_NAMES[0]}")
    for name in CATEGORY_NAMES[1:]:
        expr = expr + F(f"{prefix}{name}")
    return expr


# --- projects -------------------------------------------------------------------------------------------


def project_filters(params: Any, *, this_year: int) -> dict[str, Any]:
    """The project list's filters: enterprise, year (the current year unless "all") and a search text."""
    org = str(params.get("org") or "")
    year = str(params.get("year") or "")
    return {
        "organisation": int(org) if org.isdigit() else None,
        "year": None
        if year == "all"
        else int(year)
        if year.isdigit() and 2000 <= int(year) <= 2100
        else this_year,
        "q": str(params.get("q") or "").strip()[:50],
    }


def project_list(
    *, user: Any, organisation: int | None = None, year: int | None = None, q: str = ""
) -> QuerySet[RndProject]:
    """Projects the user may see, each with `collected`: the expenses of `year` (all years without one).
    With a year only the projects whose period overlaps it."""
    qs = permissions.visible(user, RndProject.objects.select_related("organisation"))
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(organisation__name__icontains=q))
    in_year = Q()
    if year:
        qs = qs.filter(starts_on__lte=dt.date(year, 12, 31), ends_on__gte=dt.date(year, 1, 1))
        in_year = Q(expenses__year=year)
    return qs.annotate(
        collected=Coalesce(Sum(_total_expr("expenses__"), filter=in_year, output_field=MONEY), Value(ZERO))
    ).order_by("organisation__name", "-starts_on", "code")


def project_get(*, user: Any, pk: int) -> RndProject:
    return permissions.visible(user, RndProject.objects.select_related("organisation__industry")).get(pk=pk)


def project_years(*, user: Any, this_year: int) -> list[int]:
    """The years the user's projects run in (and this year), newest first, for the year filter."""
    span = permissions.visible(user, RndProject.objects.all()).aggregate(
        first=Min("starts_on"), last=Max("ends_on")
    )
    first = min(span["first"].year if span["first"] else this_year, this_year)
    last = max(span["last"].year if span["last"] else this_year, this_year)
    return list(range(min(last, this_year + 5), max(first, 2000) - 1, -1))


def project_organisations(*, user: Any) -> QuerySet[Organisation]:
    """Enterprises that have projects the user may see (the list's enterprise filter)."""
    projects = permissions.visible(user, RndProject.objects.all())
    return Organisation.objects.filter(pk__in=projects.values("organisation_id")).order_by("name")


def creatable_organisations(user: Any) -> QuerySet[Organisation]:
    """Whom the user may register projects for: bureau staff the enterprises of their county, an enterprise
    user its own organisation."""
    return Organisation.objects.filter(
        Q(permissions.staff_region_filter(user, "region__code"), kind=Organisation.Kind.ENTERPRISE)
        | Q(pk__in=permissions.own_organisation_ids(user))
    ).order_by("name")


def expense_rows(project: RndProject, year: int) -> dict[int, RndExpense]:
    """The project's collection of the year by month (the visibility of the project was checked)."""
    return {row.month: row for row in project.expenses.filter(year=year)}


# --- the super-deduction ----------------------------------------------------------------------------------


def deduction_organisations(*, user: Any) -> QuerySet[Organisation]:
    """Enterprises whose super-deduction the user may look at (the picker): those with projects it sees."""
    return project_organisations(user=user)


def deduction_organisation_get(*, user: Any, pk: int) -> Organisation:
    return permissions.visible(user, Organisation.objects.select_related("industry")).get(pk=pk)


def deduction_years(*, organisation: Organisation, this_year: int) -> list[int]:
    years = set(
        RndExpense.objects.filter(project__organisation=organisation)
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(this_year)
    return sorted(years, reverse=True)


def county_collection(*, user: Any, year: int) -> list[dict[str, Any]]:
    """Each visible enterprise's collection of the year (for staff choosing an enterprise): total, five
    categories and 其他相关费用, one query."""
    projects = permissions.visible(user, RndProject.objects.all())
    five: Any = sum((F(name) for name in FIVE[1:]), F(FIVE[0]))
    rows = (
        RndExpense.objects.filter(year=year, project__in=projects)
        .values("project__organisation_id", "project__organisation__name")
        .annotate(five_sum=Sum(five, output_field=MONEY), other_sum=Sum("other"))
        .order_by("-five_sum")
    )
    return [
        {
            "pk": r["project__organisation_id"],
            "name": r["project__organisation__name"],
            "five": r["five_sum"] or ZERO,
            "other": r["other_sum"] or ZERO,
            "total": (r["five_sum"] or ZERO) + (r["other_sum"] or ZERO),
        }
        for r in rows
    ]


@dataclass
class RateSpan:
    """Consecutive months of the year at one rate, with the table rows that gave it."""

    first: int
    last: int
    rate: Decimal
    rows: list[DeductionRate]
    base: Decimal = ZERO  # the expenses that count (five + the allowed share of 其他相关费用)
    amount: Decimal = ZERO  # base × rate

    @property
    def months(self) -> str:
        return f"{self.first}月" if self.first == self.last else f"{self.first}-{self.last}月"


@dataclass
class ProjectShare:
    project: RndProject
    categories: dict[str, Decimal]
    total: Decimal
    other_allowed: Decimal
    deduction: Decimal


@dataclass
class DeductionView:
    organisation: Organisation
    result: Deduction
    spans: list[RateSpan]
    months: list[dict[str, Any]]
    projects: list[ProjectShare] = field(default_factory=list)
    industry_is_manufacturing: bool = False


def _giving_rows(
    classes: set[str], day: dt.date, rows: list[DeductionRate], rate: Decimal
) -> list[DeductionRate]:
    """The rows of the table behind a month's rate (as deduction.monthly_rates picks the highest)."""
    return [
        r
        for r in rows
        if r.applies_to in classes
        and r.valid_from <= day
        and (r.valid_until is None or day <= r.valid_until)
        and r.rate == rate
        and rate > 0
    ]


def deduction_view(*, organisation: Organisation, year: int) -> DeductionView:
    """The enterprise's super-deduction of the year with its basis: the rate spans and the table rows behind
    them, month by month figures, and each project's share (the cap on 其他相关费用 applies to the sum of all
    projects, so a project's allowed 其他相关费用 is its pro-rata share of the allowed amount)."""
    rates_table = list(DeductionRate.objects.all())
    classes = deduction.enterprise_classes(organisation, year)
    rates = deduction.monthly_rates(classes, year, rates_table)
    result = deduction.compute(
        deduction.expense_months(organisation, year), rates, year=year, classes=classes
    )
    factor = result.other_allowed / result.other_actual if result.other_actual else Decimal(1)

    spans: list[RateSpan] = []
    for month in range(1, 13):
        rows = _giving_rows(classes, dt.date(year, month, 1), rates_table, rates[month])
        if spans and spans[-1].rate == rates[month] and spans[-1].rows == rows:
            spans[-1].last = month
        else:
            spans.append(RateSpan(month, month, rates[month], rows))

    months = []
    for month in range(1, 13):
        m = result.by_month.get(month, {})
        five = sum((m.get(n, ZERO) for n in FIVE), ZERO)
        other = m.get("other", ZERO)
        span = next(s for s in spans if s.first <= month <= s.last)
        span.base += five + other * factor
        months.append(
            {
                "month": month,
                "five": five,
                "other": other,
                "total": five + other,
                "rate": rates[month],
                "deduction": deduction._cent((five + other * factor) * rates[month]),
            }
        )
    for span in spans:
        span.amount = deduction._cent(span.base * span.rate)
        span.base = deduction._cent(span.base)

    # each project's months: one query, summed per project and month
    per_project: dict[int, dict[int, dict[str, Decimal]]] = defaultdict(dict)
    for row in (
        RndExpense.objects.filter(project__organisation=organisation, year=year)
        .values("project_id", "month")
        .annotate(**{name: Sum(name) for name in CATEGORY_NAMES})
    ):
        per_project[row["project_id"]][row["month"]] = {n: row[n] or ZERO for n in CATEGORY_NAMES}
    projects = []
    for project in RndProject.objects.filter(pk__in=per_project).order_by("code"):
        by_month = per_project[project.pk]
        categories = {n: sum((m[n] for m in by_month.values()), ZERO) for n in CATEGORY_NAMES}
        extra = sum(
            (
                (sum((m[n] for n in FIVE), ZERO) + m["other"] * factor) * rates[month]
                for month, m in by_month.items()
            ),
            ZERO,
        )
        projects.append(
            ProjectShare(
                project=project,
                categories=categories,
                total=sum(categories.values(), ZERO),
                other_allowed=deduction._cent(categories["other"] * factor),
                deduction=deduction._cent(extra),
            )
        )
    industry = organisation.industry if organisation.industry_id else None
    return DeductionView(
        organisation=organisation,
        result=result,
        spans=spans,
        months=months,
        projects=projects,
        industry_is_manufacturing=bool(industry and industry.section == "C"),
    )


def rate_table() -> QuerySet[DeductionRate]:
    return DeductionRate.objects.order_by("valid_from", "applies_to", "pk")
