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
    return (
        application_list(user=user)
        .filter(
            permissions.staff_region_filter(user, "county__code"),
            status__in=[Status.SUBMITTED, Status.CHECKED, Status.RECOMMENDED],
        )
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


# --- the catalogue pages: what applicants may read, and the catalogue's counts ------------------------------
# (imports of this section kept here so that it stays one appended block)
from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402

from .models import IncentiveRule, Level  # noqa: E402


def applicant_county_codes(user: Any) -> list[str]:
    """Counties the user applies in: those of their own organisations (located in the county whose register
    holds them; county departments too, for platform programmes) and of their own person profile. The
    programmes and calls of these counties are open to them."""
    from kechuang.core.models import ORGANISATION_ROLES, PERSON_ROLES

    codes: set[str] = set()
    for role in permissions.roles_of(user):
        org, person = role.organisation, role.person
        if role.role in ORGANISATION_ROLES and org is not None and org.is_local:
            # County departments and development-zone committees apply to platform programmes too.
            codes.add(org.county_id)
        if role.role in PERSON_ROLES and person is not None and person.county_id:
            codes.add(person.county_id)
    return sorted(codes)


def programme_catalogue_for_applicants(*, user: Any) -> QuerySet[Programme]:
    """Programmes the user may read: what the region roles see (permissions.visible); for a person the
    active programmes of their county; for an organisation the active programmes of its county that admit
    its type (an enterprise, or a county department for a platform programme), personal ones included
    (it recommends the nominee)."""
    from kechuang.core.models import ORGANISATION_ROLES, PERSON_ROLES

    seen = permissions.county_record_filter(user, Programme)
    kinds: dict[str, set[str]] = {}
    for role in permissions.roles_of(user):
        org, person = role.organisation, role.person
        if role.role in ORGANISATION_ROLES and org is not None and org.is_local:
            kinds.setdefault(org.county_id, set()).add(org.kind)
        if role.role in PERSON_ROLES and person is not None and person.county_id:
            seen |= Q(county_id=person.county_id, is_active=True)
    if kinds:
        # Few programmes a county: the admitted types (a JSON list) are read here rather than queried.
        candidates = Programme.objects.filter(county_id__in=sorted(kinds), is_active=True)
        admitted = [
            pk
            for pk, county, for_people, allowed in candidates.values_list(
                "pk", "county_id", "for_people", "applicant_kinds"
            )
            if for_people or kinds[county] & set(allowed or [])
        ]
        seen |= Q(pk__in=admitted)
    return Programme.objects.filter(seen).select_related("policy", "county")


def programme_get_for_applicants(*, user: Any, pk: int) -> Programme:
    return programme_catalogue_for_applicants(user=user).get(pk=pk)


def calls_for_applicants(*, user: Any, programme: Programme | None = None) -> QuerySet[Call]:
    """Calls of the programmes the user may read (see programme_catalogue_for_applicants)."""
    qs = Call.objects.filter(programme__in=programme_catalogue_for_applicants(user=user).values("pk"))
    qs = qs.select_related("programme", "programme__county")
    return qs.filter(programme=programme) if programme is not None else qs


def call_get_for_applicants(*, user: Any, pk: int) -> Call:
    return calls_for_applicants(user=user).get(pk=pk)


def open_calls_for(*, user: Any, today: dt.date | None = None) -> QuerySet[Call]:
    """Calls the user may apply to today, an enterprise's county's included (open_calls, for applicants)."""
    today = today or timezone.localdate()
    return calls_for_applicants(user=user).filter(
        Q(county_deadline__gte=today) | Q(county_deadline__isnull=True, closes_on__gte=today),
        opens_on__lte=today,
        programme__is_active=True,
    )


LEVEL_RANK = Case(
    *[When(level=value, then=Value(rank)) for rank, value in enumerate(Level.values)],
    default=Value(len(Level.values)),
    output_field=IntegerField(),
)
CATALOGUE_SORTS = {
    "level": ["level_rank", "kind", "name"],
    "name": ["name", "pk"],
    "calls": ["-n_calls", "level_rank", "name"],
    "applications": ["-n_applications", "level_rank", "name"],
}


def programme_catalogue(
    *, user: Any, q: str = "", kind: str = "", level: str = "", sort: str = "level"
) -> QuerySet[Programme]:
    """The catalogue: programmes the user may read, national first, each with its number of calls and of
    the applications this user may see (an enterprise counts its own)."""
    qs = programme_catalogue_for_applicants(user=user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(category__icontains=q) | Q(issuer__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    calls = Call.objects.filter(programme=OuterRef("pk")).order_by().values("programme")
    apps = application_list(user=user).filter(programme=OuterRef("pk")).order_by().values("programme")
    qs = qs.annotate(
        level_rank=LEVEL_RANK,
        n_calls=Coalesce(Subquery(calls.annotate(n=Count("pk")).values("n")), 0),
        n_applications=Coalesce(Subquery(apps.annotate(n=Count("pk")).values("n")), 0),
    )
    return qs.order_by(*CATALOGUE_SORTS.get(sort, CATALOGUE_SORTS["level"]))


def policy_catalogue(*, user: Any, q: str = "", year: int | None = None) -> QuerySet[PolicyDocument]:
    """Policy documents the user may read, by title or 文号 and by the 文号's year, with rule counts."""
    qs = policy_list(user=user, q=q)
    if year:
        qs = qs.filter(number_year=year)
    qs = qs.annotate(n_rules=Count("rules", distinct=True), n_programmes=Count("programmes", distinct=True))
    return qs.order_by("-issued_on", "-id")


def policy_years(*, user: Any) -> list[int]:
    return list(
        policy_list(user=user).order_by("-number_year").values_list("number_year", flat=True).distinct()
    )


def rule_list(*, user: Any, policy: PolicyDocument | None = None) -> QuerySet[IncentiveRule]:
    """Incentive rules of the policy documents the user may read."""
    qs = IncentiveRule.objects.filter(policy__in=policy_list(user=user).values("pk")).select_related(
        "policy", "policy__county", "achievement"
    )
    return qs.filter(policy=policy) if policy is not None else qs


def rule_get(*, user: Any, pk: int) -> IncentiveRule:
    return rule_list(user=user).get(pk=pk)


# --- notices, coaching log, inbox and reminder channels ---------------------------------------------------

from .models import Objection, ReminderChannel  # noqa: E402 (kept with the selectors that use them)


def notice_candidates(*, user: Any, purpose: str, call: Any = "", county: Any = "") -> QuerySet[Application]:
    """What staff may put on a 公示 of this purpose: decided claims (资金兑现) or submitted/recommended
    applications (推荐上报) of the counties they run, optionally of one call."""
    from .models import PublicNotice
    from .services import NOTICE_STATUSES

    wanted = NOTICE_STATUSES.get(purpose)  # type: ignore[call-overload]
    if not wanted:
        return Application.objects.none()
    staff_counties = permissions.staff_region_filter(user, "county__code")
    qs = application_list(user=user, call=call).filter(staff_counties, status__in=wanted)
    if county:
        qs = qs.filter(county_id=county)
    if purpose == PublicNotice.Purpose.PAYMENT:
        # Claims with a decided amount, and awards carrying county matching funds (paid after 公示 too).
        qs = qs.filter(Q(programme__kind=Programme.Kind.INCENTIVE) | Q(award__matching_amount__gt=0))
    return qs.order_by("call__programme__name", "organisation__name", "person__name", "pk")


def notice_applications(*, notice: PublicNotice) -> QuerySet[Application]:
    """The list of a notice the caller already may see (notice_get), in a stable order."""
    return (
        notice.applications.select_related("organisation", "person", "programme", "call", "award")
        .prefetch_related("claim_items__rule")
        .order_by("pk")
    )


def objection_list(*, user: Any, notice: PublicNotice | None = None) -> QuerySet[Objection]:
    qs = Objection.objects.filter(notice__in=notice_list(user=user).values("pk")).select_related(
        "notice", "application", "application__organisation", "application__person"
    )
    return qs.filter(notice=notice) if notice is not None else qs


def objection_get(*, user: Any, pk: int) -> Objection:
    return objection_list(user=user).get(pk=pk)


def service_log_filters(params: Any) -> dict[str, Any]:
    """The coaching log's filters from a query string (the list page and its Excel export share them)."""

    def _date(key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(params.get(key, "") or ""))
        except ValueError:
            return None

    def _int(key: str) -> int | None:
        value = str(params.get(key, "") or "")
        return int(value) if value.isdigit() else None

    channel = str(params.get("channel", "") or "")
    return {
        "q": str(params.get("q", "") or "").strip(),
        "channel": channel if channel in ServiceLog.Channel.values else "",
        "start": _date("start"),
        "end": _date("end"),
        "staff": _int("staff"),
        "organisation": _int("organisation"),
    }


def service_log_search(
    *,
    user: Any,
    q: str = "",
    channel: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    staff: int | None = None,
    organisation: int | None = None,
) -> QuerySet[ServiceLog]:
    qs = service_log_list(user=user)
    if q:
        qs = qs.filter(Q(organisation__name__icontains=q) | Q(topic__icontains=q) | Q(follow_up__icontains=q))
    if channel:
        qs = qs.filter(channel=channel)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    if staff:
        qs = qs.filter(staff_id=staff)
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    return qs


def service_log_staff(*, user: Any) -> list[Any]:
    """The people who appear as 服务人员 in the coaching log this user may see (for the filter)."""
    from kechuang.core.models import User

    ids = service_log_list(user=user).order_by().values("staff_id").distinct()
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def inbox_sorted(*, user: Any) -> QuerySet[Notification]:
    """The user's reminders, unread first, newest first within each."""
    from django.db.models.lookups import IsNull

    return inbox(user=user).order_by(IsNull(F("read_at"), True).desc(), "-created_at", "-id")


def inbox_get(*, user: Any, pk: int) -> Notification:
    return inbox(user=user).get(pk=pk)


def reminder_channel_list(*, user: Any) -> QuerySet[ReminderChannel]:
    """Reminder channels of the counties the user runs as staff (others see none: webhooks carry keys)."""
    q = permissions.staff_region_filter(user, "county__code")
    return ReminderChannel.objects.filter(q).select_related("county").order_by("county_id", "kind", "pk")


def reminder_channel_get(*, user: Any, pk: int) -> ReminderChannel:
    return reminder_channel_list(user=user).get(pk=pk)


# --- funds pages: the ledger, the qualification register, vouchers and providers -------------------------

from django.db.models import CharField, DateField  # noqa: E402 (kept with the selectors that use them)

from .models import FundingSource, Milestone  # noqa: E402


def milestone_list(*, user: Any, award: Award | None = None) -> QuerySet[Milestone]:
    """Milestones of the awards the user may see."""
    qs = Milestone.objects.filter(award__in=award_list(user=user).values("pk")).select_related("award")
    return qs.filter(award=award) if award is not None else qs


def milestone_get(*, user: Any, pk: int) -> Milestone:
    return milestone_list(user=user).get(pk=pk)


def ledger_filters(params: Any) -> dict[str, Any]:
    """The funds ledger's filters from a query string (the page and its Excel export share them)."""
    year = str(params.get("fiscal_year", "") or "").strip()
    programme = str(params.get("programme", "") or "").strip()
    source = str(params.get("source", "") or "")
    kind = str(params.get("kind", "") or "")
    matching = str(params.get("matching", "") or "")
    backfill = str(params.get("backfill", "") or "")
    return {
        "q": str(params.get("q", "") or "").strip(),
        "fiscal_year": int(year) if year.isdigit() else None,
        "source": source if source in FundingSource.values else "",
        "kind": kind if kind in Programme.Kind.values else "",
        "matching": matching if matching in ("1", "0") else "",
        "backfill": backfill if backfill in ("1", "0") else "",
        "programme": int(programme) if programme.isdigit() else None,
    }


def ledger(
    *,
    user: Any,
    q: str = "",
    fiscal_year: int | None = None,
    source: str = "",
    kind: str = "",
    matching: str = "",
    programme: int | None = None,
    backfill: str = "",
) -> QuerySet[Disbursement]:
    """资金台账: the disbursements the user may see, newest payment first; `backfill` "1" lists only the
    补录 (historical) ones, "0" only those paid through the platform."""
    qs = disbursement_list(user=user)
    if q:
        qs = qs.filter(
            Q(award__organisation__name__icontains=q)
            | Q(award__person__name__icontains=q)
            | Q(award__organisation__credit_code__icontains=q.upper())
            | Q(voucher_no__icontains=q)
        )
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if source:
        qs = qs.filter(source=source)
    if kind:
        qs = qs.filter(award__programme__kind=kind)
    if matching:
        qs = qs.filter(is_matching=matching == "1")
    if backfill:
        qs = qs.filter(is_backfill=backfill == "1")
    if programme:
        qs = qs.filter(award__programme_id=programme)
    return qs.order_by("-paid_on", "-pk")


def ledger_years(*, user: Any) -> list[int]:
    return list(
        disbursement_list(user=user).order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )


QUALIFICATION_STATES = ("valid", "expiring", "expired")


def qualification_filters(params: Any) -> dict[str, Any]:
    state = str(params.get("state", "") or "")
    return {
        "q": str(params.get("q", "") or "").strip(),
        "category": str(params.get("category", "") or "").strip(),
        "state": state if state in QUALIFICATION_STATES else "",
        "expiring": str(params.get("expiring", "") or "") == "1",
    }


def qualification_register(
    *,
    user: Any,
    today: dt.date | None = None,
    months: int = 6,
    expiring: bool = False,
    q: str = "",
    category: str = "",
    state: str = "",
) -> QuerySet[Award]:
    """The qualification register with each record's `validity`: 'expired' (past its last day),
    'expiring' (a qualification within `months` months of its last day, as expiring_qualifications) or
    'valid'. With `expiring`, exactly the list expiring_qualifications gives."""
    today = today or timezone.localdate()
    soon = today + relativedelta(months=months)
    qs = (
        expiring_qualifications(user=user, today=today, months=months)
        if expiring
        else qualification_list(user=user, today=today)
    )
    qs = qs.annotate(
        validity=Case(
            When(valid_until__lt=today, then=Value("expired")),
            When(
                programme__award_form=Programme.AwardForm.QUALIFICATION,
                valid_until__lte=soon,
                then=Value("expiring"),
            ),
            default=Value("valid"),
            output_field=CharField(),
        )
    )
    if q:
        qs = qs.filter(
            Q(organisation__name__icontains=q)
            | Q(person__name__icontains=q)
            | Q(certificate_no__icontains=q)
            | Q(registration_no__icontains=q)
        )
    if category:
        qs = qs.filter(programme__category=category)
    if state:
        qs = qs.filter(validity=state)
    # What needs attention first: expiring soonest, then the valid ones, then the most recently expired.
    return qs.annotate(
        validity_rank=Case(
            When(validity="expiring", then=Value(0)),
            When(validity="valid", then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        upcoming=Case(When(valid_until__gte=today, then=F("valid_until")), output_field=DateField()),
        past=Case(When(valid_until__lt=today, then=F("valid_until")), output_field=DateField()),
    ).order_by("validity_rank", F("upcoming").asc(nulls_last=True), F("past").desc(nulls_last=True), "pk")


def qualification_categories(*, user: Any) -> list[str]:
    return list(
        qualification_list(user=user)
        .order_by("programme__category")
        .values_list("programme__category", flat=True)
        .distinct()
    )


def provider_get(*, user: Any, pk: int) -> ServiceProvider:
    return provider_list(user=user).get(pk=pk)


def provider_ledger(*, user: Any) -> QuerySet[ServiceProvider]:
    """Providers with the number and total of the redemptions made with them."""
    return (
        provider_list(user=user)
        .select_related("county")
        .annotate(n_redemptions=Count("redemptions"), redeemed=Sum("redemptions__amount"))
        .order_by("-is_active", "organisation__name", "pk")
    )


# --- the application pages: list filters, money per application, whom one may apply for ----------------------

from django.db.models import DecimalField  # noqa: E402

from kechuang.core.models import Organisation, Person  # noqa: E402

from .models import ZERO, Transition  # noqa: E402


def application_money(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Each application with its award (if any) and `paid`, the money disbursed against that award so far."""
    paid = (
        Disbursement.objects.filter(award__application=OuterRef("pk"))
        .order_by()
        .values("award__application")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    money: DecimalField = DecimalField(max_digits=18, decimal_places=2)
    return applications.select_related("award").annotate(
        paid=Coalesce(Subquery(paid, output_field=money), Value(ZERO), output_field=money)
    )


def application_years(*, user: Any) -> list[int]:
    """The call years of the applications the user may see (the list's year filter)."""
    return list(
        application_list(user=user).order_by("-call__year").values_list("call__year", flat=True).distinct()
    )


def application_programmes(*, user: Any) -> QuerySet[Programme]:
    """The programmes of the applications the user may see (the list's programme filter)."""
    return Programme.objects.filter(pk__in=application_list(user=user).values("programme_id")).order_by(
        "name"
    )


def applicant_organisations(
    *, user: Any, county_code: str, programme: Programme | None = None
) -> QuerySet[Organisation]:
    """Whom the user may file an application for in a county: the county's staff any of its active
    organisations of a type the programme admits (its own organisations: the partners it registered
    elsewhere do not apply); an enterprise only its own."""
    from kechuang.core.models import local_in

    qs = (
        Organisation.objects.filter(local_in(county_code), is_active=True)
        .select_related("region")
        .order_by("name")
    )
    if programme is not None:
        qs = qs.filter(kind__in=programme.applicant_kinds or [])
    else:
        qs = qs.exclude(kind=Organisation.Kind.DEPARTMENT)
    if permissions.is_county_staff(user, county_code):
        return qs
    return qs.filter(pk__in=permissions.own_organisation_ids(user))


def nominee_people(*, user: Any, county_code: str) -> QuerySet[Person]:
    """Whom the user may nominate in a county (talent programmes): the county's staff anyone of the
    county's people; an enterprise the people of its own organisations; a person themselves."""
    qs = Person.objects.filter(county_id=county_code).select_related("organisation").order_by("name", "pk")
    if permissions.is_county_staff(user, county_code):
        return qs
    return qs.filter(
        Q(organisation_id__in=permissions.own_organisation_ids(user))
        | Q(pk__in=permissions.own_person_ids(user))
    )


def application_timeline(*, application: Application) -> QuerySet[Transition]:
    """The status changes of an application the caller has already been allowed to see."""
    return application.transitions.select_related("actor").order_by("at", "pk")
