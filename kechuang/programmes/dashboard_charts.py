"""What the programmes engine contributes to the dashboards (kechuang.reports.dashboards): its key figures,
a county's money by funding source and applications by status, the staff's work lists (review queue,
deadlines, expiring qualifications), an applicant's own applications, qualifications and money, and which
counties hold programme data. Registered in apps.ready(); read through this app's selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import units
from kechuang.core.models import Region
from kechuang.reports.dashboards import COUNT, MONEY, TREND_YEARS, Chart, Column, Contribution

from . import selectors
from .models import Application, Award, Disbursement, FundingSource, Programme, Status

KEY_FIGURES = (
    "policy.money_paid",
    "entities.new_qualifications",
    "projects.approvals",
    "projects.grants",
    "talent.matching_paid",
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


def county_charts(user: Any, county: Region, year: int) -> list[Chart]:
    apps = selectors.application_list(user=user, year=year).filter(county__code__startswith=county.prefix)
    return [
        funds_by_source(user, county, year),
        applications_by_status(apps, "applications-by-status", _("%(y)s年申报：按状态") % {"y": year}),
    ]


def counties_with_data(region: Region) -> set[str]:
    """The county codes under `region` with any programme, application, award or disbursement."""
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
    return used


CONTRIBUTION = Contribution(
    key_figures=KEY_FIGURES,
    county_charts=county_charts,
    staff_work=staff_work,
    applicant_charts=applicant_charts,
    counties_with_data=counties_with_data,
)
