"""Reads of the programmes engine. Every selector takes the acting user and returns only what that user
may see: the county's region roles see the county's records, an enterprise its own, a person their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from kechuang.core import permissions

from .models import (
    Application,
    Award,
    Call,
    Disbursement,
    Notification,
    PolicyDocument,
    Programme,
    PublicNotice,
    Redemption,
    ServiceLog,
    ServiceProvider,
    Status,
    Voucher,
)


def policy_list(*, user: Any, q: str = "") -> QuerySet[PolicyDocument]:
    qs = permissions.visible(user, PolicyDocument.objects.select_related("county"))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q))
    return qs


def policy_get(*, user: Any, pk: int) -> PolicyDocument:
    return policy_list(user=user).get(pk=pk)


def programme_list(*, user: Any, q: str = "", kind: str = "", level: str = "") -> QuerySet[Programme]:
    qs = permissions.visible(user, Programme.objects.select_related("policy", "county"))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(category__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    return qs


def programme_get(*, user: Any, pk: int) -> Programme:
    return programme_list(user=user).get(pk=pk)


def call_list(*, user: Any, programme: Programme | None = None, year: int | None = None) -> QuerySet[Call]:
    qs = permissions.visible(user, Call.objects.select_related("programme"))
    if programme is not None:
        qs = qs.filter(programme=programme)
    if year:
        qs = qs.filter(year=year)
    return qs


def call_get(*, user: Any, pk: int) -> Call:
    return call_list(user=user).get(pk=pk)


def open_calls(*, user: Any, today: dt.date | None = None) -> QuerySet[Call]:
    """Calls an applicant can still apply to today."""
    today = today or timezone.localdate()
    return call_list(user=user).filter(
        Q(county_deadline__gte=today) | Q(county_deadline__isnull=True, closes_on__gte=today),
        opens_on__lte=today,
        programme__is_active=True,
    )


def status_counts(applications: QuerySet[Application]) -> dict[str, int]:
    """{status: n} for a set of applications, every status present (0 where none)."""
    counts = dict.fromkeys(Status.values, 0)
    for row in applications.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def application_filters(params: Any) -> dict[str, Any]:
    """The application list's filters from a query string (list page, export and API share them)."""
    year = str(params.get("year", "") or "")
    return {
        "q": str(params.get("q", "") or "").strip(),
        "status": params.get("status", "") or "",
        "kind": params.get("kind", "") or "",
        "programme": params.get("programme", "") or "",
        "call": params.get("call", "") or "",
        "year": int(year) if year.isdigit() else None,
    }


def application_list(
    *,
    user: Any,
    q: str = "",
    status: str = "",
    kind: str = "",
    programme: Any = "",
    call: Any = "",
    year: int | None = None,
) -> QuerySet[Application]:
    qs = permissions.visible(
        user, Application.objects.select_related("call", "programme", "organisation", "person", "county")
    )
    if q:
        qs = qs.filter(
            Q(organisation__name__icontains=q) | Q(person__name__icontains=q) | Q(title__icontains=q)
        )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(programme__kind=kind)
    if programme:
        qs = qs.filter(programme_id=programme)
    if call:
        qs = qs.filter(call_id=call)
    if year:
        qs = qs.filter(call__year=year)
    return qs


def application_get(*, user: Any, pk: int) -> Application:
    return application_list(user=user).get(pk=pk)


def review_queue(*, user: Any) -> QuerySet[Application]:
    """What waits for the county's staff: submitted applications and checked claims, oldest first."""
    staff_counties = Q(pk__in=[])
    for prefix in permissions.region_prefixes(user, permissions.WRITE_REGION_ROLES):
        staff_counties |= Q(county__code__startswith=prefix)
    return (
        application_list(user=user)
        .filter(staff_counties, status__in=[Status.SUBMITTED, Status.CHECKED, Status.RECOMMENDED])
        .order_by("submitted_at", "pk")
    )


def award_list(*, user: Any) -> QuerySet[Award]:
    return permissions.visible(
        user,
        Award.objects.select_related(
            "programme", "organisation", "person", "application", "application__call"
        ),
    )


def award_get(*, user: Any, pk: int) -> Award:
    return award_list(user=user).get(pk=pk)


def qualification_list(
    *, user: Any, today: dt.date | None = None, valid_only: bool = False
) -> QuerySet[Award]:
    """The qualification register: qualifications and registrations, with their validity."""
    today = today or timezone.localdate()
    qs = award_list(user=user).filter(
        programme__award_form__in=[Programme.AwardForm.QUALIFICATION, Programme.AwardForm.REGISTRATION]
    )
    if valid_only:
        qs = qs.filter(valid_until__gte=today)
    return qs.order_by("valid_until", "pk")


def expiring_qualifications(*, user: Any, today: dt.date | None = None, months: int = 6) -> QuerySet[Award]:
    """Qualifications still valid today that expire within `months` months (inclusive of the last day)."""
    today = today or timezone.localdate()
    return qualification_list(user=user, today=today).filter(
        programme__award_form=Programme.AwardForm.QUALIFICATION,
        valid_until__gte=today,
        valid_until__lte=today + relativedelta(months=months),
    )


def disbursement_list(*, user: Any) -> QuerySet[Disbursement]:
    return permissions.visible(
        user,
        Disbursement.objects.select_related(
            "award", "award__programme", "award__organisation", "award__person"
        ),
    )


def ledger_totals(disbursements: QuerySet[Disbursement], by: str) -> list[dict[str, Any]]:
    """Totals of money paid grouped by 'programme', 'source', 'fiscal_year' or 'organisation'."""
    field = {
        "programme": "award__programme__name",
        "source": "source",
        "fiscal_year": "fiscal_year",
        "organisation": "award__organisation__name",
    }[by]
    return list(
        disbursements.order_by()
        .values(key=F(field))
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by("-total")
    )


def notice_list(*, user: Any) -> QuerySet[PublicNotice]:
    return permissions.visible(user, PublicNotice.objects.all())


def notice_get(*, user: Any, pk: int) -> PublicNotice:
    return notice_list(user=user).get(pk=pk)


def provider_list(*, user: Any) -> QuerySet[ServiceProvider]:
    return permissions.visible(user, ServiceProvider.objects.select_related("organisation"))


def voucher_list(*, user: Any, state: str = "", q: str = "") -> QuerySet[Voucher]:
    qs = permissions.visible(user, Voucher.objects.select_related("organisation"))
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(organisation__name__icontains=q))
    return qs


def voucher_get(*, user: Any, pk: int) -> Voucher:
    return voucher_list(user=user).get(pk=pk)


def redemption_list(*, user: Any, provider: ServiceProvider | None = None) -> QuerySet[Redemption]:
    qs = permissions.visible(
        user, Redemption.objects.select_related("voucher", "voucher__organisation", "provider")
    )
    return qs.filter(provider=provider) if provider is not None else qs


def service_log_list(*, user: Any, organisation: Any = None) -> QuerySet[ServiceLog]:
    qs = permissions.visible(user, ServiceLog.objects.select_related("organisation", "staff", "programme"))
    return qs.filter(organisation=organisation) if organisation is not None else qs


def inbox(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)
