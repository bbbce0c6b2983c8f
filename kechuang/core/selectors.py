"""Reads of the core registers. Every selector takes the acting user and returns only what that
user may see (tenancy lives in permissions, applied here once)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from . import permissions
from .models import AuditEvent, Organisation, OrganisationYear, Person, Region, Signup


def organisation_filters(params: Any) -> dict[str, Any]:
    """The organisation list's filters from a query string (the list page and its export share them)."""
    year = params.get("above_scale_year", "")
    return {
        "q": params.get("q", "").strip(),
        "kind": params.get("kind", ""),
        "region": params.get("region", ""),
        "section": params.get("section", ""),
        "above_scale_year": int(year) if year.isdigit() else None,
        "where": params.get("where", "") if params.get("where", "") in ("local", "partner") else "",
    }


def person_filters(params: Any) -> dict[str, Any]:
    return {"q": params.get("q", "").strip(), "kind": params.get("kind", ""), "tag": params.get("tag", "")}


def organisation_list(
    *,
    user: Any,
    q: str = "",
    kind: str = "",
    region: str = "",
    section: str = "",
    above_scale_year: int | None = None,
    where: str = "",
) -> QuerySet[Organisation]:
    """`where`: "local" the county's own organisations (located in the county whose register holds
    them), "partner" those registered as partners from elsewhere (县外单位)."""
    qs = permissions.visible(user, Organisation.objects.select_related("region", "county", "industry"))
    if where:
        own = Q(region__code__startswith=F("county__code"))
        qs = qs.filter(own) if where == "local" else qs.exclude(own)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()) | Q(address__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code__startswith=region)
    if section:
        qs = qs.filter(industry__section=section)
    if above_scale_year:
        qs = qs.filter(
            Exists(
                OrganisationYear.objects.filter(
                    organisation=OuterRef("pk"), year=above_scale_year, is_above_scale=True
                )
            )
        )
    return qs.order_by("name", "pk")


def organisation_get(*, user: Any, pk: int) -> Organisation:
    """The organisation if the user may see it; DoesNotExist otherwise, so hidden looks like absent."""
    return permissions.visible(
        user, Organisation.objects.select_related("region__parent", "county", "industry")
    ).get(pk=pk)


def person_list(*, user: Any, q: str = "", kind: str = "", tag: str = "") -> QuerySet[Person]:
    qs = permissions.visible(user, Person.objects.select_related("organisation", "county")).prefetch_related(
        "tags"
    )
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(specialties__icontains=q)
            | Q(organisation_name__icontains=q)
            | Q(organisation__name__icontains=q)
        )
    if kind in ("expert", "commissioner", "talent", "contact"):
        qs = qs.filter(**{f"is_{kind}": True})
    if tag:
        qs = qs.filter(tags__name=tag)
    return qs.order_by("name", "pk").distinct()


def person_get(*, user: Any, pk: int) -> Person:
    return permissions.visible(user, Person.objects.select_related("organisation", "county")).get(pk=pk)


def townships_for(user: Any) -> QuerySet[Region]:
    """Counties and townships the user works in, for region pickers and filters."""
    return Region.objects.filter(permissions.region_filter(user), level__in=["county", "township"]).order_by(
        "code"
    )


def counties_for(user: Any) -> QuerySet[Region]:
    return Region.objects.filter(permissions.region_filter(user), level="county").order_by("code")


def audit_list(
    *,
    user: Any,
    username: str = "",
    action: str = "",
    object_type: str = "",
    result: str = "",
    start: Any = None,
    end: Any = None,
) -> QuerySet[AuditEvent]:
    qs = permissions.visible(user, AuditEvent.objects.all())
    if username:
        qs = qs.filter(username__icontains=username)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if result:
        qs = qs.filter(result=result)
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    return qs.order_by("-at", "-id")


def pending_signups(*, user: Any) -> QuerySet[Signup]:
    """Sign-ups of the staff member's county that wait for a decision."""
    prefixes = permissions.region_prefixes(user, permissions.WRITE_REGION_ROLES)
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(region__code__startswith=prefix)
    return (
        Signup.objects.filter(q, decision=Signup.Decision.PENDING)
        .select_related("user", "region")
        .order_by("created_at")
    )


def industry_sections() -> QuerySet:
    from .models import IndustryClass

    return IndustryClass.objects.filter(level=IndustryClass.Level.SECTION).order_by("code")


def above_scale_years(*, user: Any) -> list[int]:
    orgs = permissions.visible(user, Organisation.objects.all())
    return list(
        OrganisationYear.objects.filter(organisation__in=orgs)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


# --- accounts and role grants (三员分立) ----------------------------------------------------------------


def account_list(*, user: Any, q: str = "") -> QuerySet:
    """Accounts, for the system administrator (to create, disable, reset) and the security
    administrators (to grant and revoke roles); nobody else."""
    from .models import User

    if not (permissions.can_manage_accounts(user) or permissions.can_grant_roles(user)):
        return User.objects.none()
    qs = User.objects.order_by("username").prefetch_related(
        "roles__region", "roles__organisation", "roles__person"
    )
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q))
    return qs


def role_request_list(*, user: Any, pending: bool) -> QuerySet:
    """Role-grant requests, for the security administrators only."""
    from .models import RoleGrantRequest

    if not permissions.can_grant_roles(user):
        return RoleGrantRequest.objects.none()
    qs = RoleGrantRequest.objects.select_related(
        "user", "region", "organisation", "person", "requested_by", "decided_by"
    )
    if pending:
        return qs.filter(decision=RoleGrantRequest.Decision.PENDING).order_by("requested_at", "id")
    return qs.exclude(decision=RoleGrantRequest.Decision.PENDING).order_by("-decided_at", "-id")
