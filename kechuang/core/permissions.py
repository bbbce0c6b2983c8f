"""The one place that decides what a user may see and change. Selectors, views, the API, exports
and the CLI all ask here; nothing else checks roles.

Rule of thumb: region roles see everything whose region code starts with their region's prefix
(staff may also change it, leaders and city/province staff only read); organisation roles see and
change their own organisation and its people; expert/commissioner roles see their own profile; the
system administrator manages accounts (no roles, no business data); the security administrator grants
roles, two persons per grant; only the auditor reads the audit log (三员分立)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from . import audit
from .models import (
    ORGANISATION_ROLES,
    PERSON_ROLES,
    SYSTEM_ROLES,
    AuditEvent,
    Organisation,
    Person,
    Region,
    Role,
    RoleAssignment,
)

READ_REGION_ROLES = {Role.STAFF, Role.LEADER, Role.CITY, Role.PROVINCE}
WRITE_REGION_ROLES = {Role.STAFF}


def roles_of(user: Any) -> list[RoleAssignment]:
    """The user's role assignments, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_kechuang_roles", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user).select_related("region", "organisation", "person")
        )
        user._kechuang_roles = cached
    return cached


def has_role(user: Any, *roles: str) -> bool:
    return any(r.role in roles for r in roles_of(user))


def region_prefixes(user: Any, roles: set[Role] | set[str] = READ_REGION_ROLES) -> list[str]:
    return [r.region.prefix for r in roles_of(user) if r.role in roles and r.region is not None]


def staff_counties_of(user: Any) -> list[Region]:
    """The counties the user runs as bureau staff."""
    return [r.region for r in roles_of(user) if r.role == Role.STAFF and r.region is not None]


def own_organisation_ids(user: Any) -> list[int]:
    return [r.organisation_id for r in roles_of(user) if r.role in ORGANISATION_ROLES and r.organisation_id]


def own_person_ids(user: Any) -> list[int]:
    return [r.person_id for r in roles_of(user) if r.role in PERSON_ROLES and r.person_id]


def _prefix_q(field: str, prefixes: list[str]) -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


# --- organisations ------------------------------------------------------------------------------------


def organisation_filter(user: Any, *, for_change: bool = False) -> Q:
    """Region roles see the organisations their counties' registers hold (`county`, not the location: a
    county sees the 浙江大学 it registered as a partner); an organisation sees itself."""
    roles = WRITE_REGION_ROLES if for_change else READ_REGION_ROLES
    return _prefix_q("county__code", region_prefixes(user, roles)) | Q(pk__in=own_organisation_ids(user))


# A "pure contact" is a contact person and nothing else: what an organisation may manage itself.
PURE_CONTACT = Q(is_contact=True, is_expert=False, is_commissioner=False, is_talent=False)


def person_filter(user: Any, *, for_change: bool = False) -> Q:
    """Read: a region's people, an organisation's people, oneself. Change: county staff their county's
    people; an organisation its own pure contacts; a person their own profile (not their roles)."""
    roles = WRITE_REGION_ROLES if for_change else READ_REGION_ROLES
    own_org_people = Q(organisation_id__in=own_organisation_ids(user))
    if for_change:
        own_org_people &= PURE_CONTACT
    return (
        _prefix_q("county__code", region_prefixes(user, roles))
        | own_org_people
        | Q(pk__in=own_person_ids(user))
    )


def region_filter(user: Any) -> Q:
    """Regions a user works in (for choosing a township, filtering lists)."""
    q = _prefix_q("code", region_prefixes(user))
    for r in roles_of(user):
        if r.organisation is not None:
            # The organisation's own township and its county (a contact person belongs to the county).
            q |= Q(code=r.organisation.region_id) | Q(code=r.organisation.county_id)
    return q


def can_write_organisation(user: Any, organisation: Organisation) -> bool:
    """Create an organisation, or set who it is (code, kind, location, register, validity): staff of the
    county whose register holds it."""
    county = organisation.county if organisation.county_id else None
    return can_create_in(user, county)


def can_change(user: Any, obj: Model) -> bool:
    if isinstance(obj, Organisation):
        return Organisation.objects.filter(organisation_filter(user, for_change=True), pk=obj.pk).exists()
    if isinstance(obj, Person):
        return Person.objects.filter(person_filter(user, for_change=True), pk=obj.pk).exists()
    return False


def can_create_in(user: Any, region: Region | None) -> bool:
    """May the user create county records (organisations, people) in this region?"""
    return region is not None and any(
        region.code.startswith(p) for p in region_prefixes(user, WRITE_REGION_ROLES)
    )


def _own_pure_contact(user: Any, person: Person) -> bool:
    """A contact (and nothing more) of one of the user's organisations, in that organisation's county."""
    org = person.organisation if person.organisation_id else None
    return (
        org is not None
        and org.pk in own_organisation_ids(user)
        and person.county_id == org.county_id
        and person.is_contact
        and not (person.is_expert or person.is_commissioner or person.is_talent)
    )


def can_write_person(user: Any, person: Person) -> bool:
    """Create a person, or set who they are (county, workplace, expert/commissioner/talent/contact):
    county staff within their county; an organisation only for its own pure contacts."""
    county = person.county if person.county_id else None
    return can_create_in(user, county) or _own_pure_contact(user, person)


def can_delete_person(user: Any, person: Person) -> bool:
    county = person.county if person.county_id else None
    return can_create_in(user, county) or _own_pure_contact(user, person)


def can_see_contacts(user: Any, person: Person) -> bool:
    """Phone and e-mail of people: staff of their county, their own organisation, themselves."""
    if person.pk in own_person_ids(user):
        return True
    if person.organisation_id and person.organisation_id in own_organisation_ids(user):
        return True
    return any(
        person.county_id and person.county_id.startswith(p) for p in region_prefixes(user, WRITE_REGION_ROLES)
    )


def can_export(user: Any) -> bool:
    return has_role(user, *READ_REGION_ROLES)


def can_import(user: Any) -> bool:
    return has_role(user, *WRITE_REGION_ROLES)


def can_read_audit(user: Any) -> bool:
    return has_role(user, Role.AUDITOR)


def can_manage_accounts(user: Any) -> bool:
    """The system administrator creates, disables and resets accounts (and grants no role)."""
    return has_role(user, Role.ADMIN)


def can_manage_account(user: Any, target: Any) -> bool:
    """Never their own account, never one of the three system roles' accounts (those are the server
    operator's: `kechuang createuser`, `kechuang changepassword`)."""
    return (
        can_manage_accounts(user)
        and target is not None
        and target.pk != user.pk
        and not RoleAssignment.objects.filter(user=target, role__in=SYSTEM_ROLES).exists()
    )


def can_grant_roles(user: Any) -> bool:
    """The security administrator asks for role grants and revocations and approves others' requests."""
    return has_role(user, Role.SECURITY)


def can_decide_role_request(user: Any, request: Any) -> bool:
    """Another security administrator: never the requester, never the account the request concerns."""
    return can_grant_roles(user) and request.requested_by_id != user.pk and request.user_id != user.pk


def can_decide_signup(user: Any, signup: Any) -> bool:
    """County staff approve or reject the enterprise sign-ups of their county."""
    return can_create_in(user, signup.region)


def require(
    allowed: bool, user: Any, action: str, obj: Model | None = None, *, what: str = "", message: str = ""
) -> None:
    """Raise PermissionDenied unless allowed; a refusal is written to the audit log first.
    Call it outside transaction.atomic: a rollback would take the refusal's audit row with it."""
    if allowed:
        return
    audit.record(
        "permission_denied",
        by=user,
        obj=obj,
        object_type="" if obj is not None else what,
        result=AuditEvent.Result.DENIED,
        detail=action,
    )
    raise PermissionDenied(message or _("您没有权限执行此操作。"))


def get_visible(user: Any, model: type[Model], pk: Any, getter: Any, *, where: str) -> Any:
    """getter(user=, pk=) if the user may see that record. Otherwise raise DoesNotExist (callers answer
    404, so a hidden record looks absent), and when the record does exist, audit the attempt."""
    try:
        return getter(user=user, pk=pk)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        hidden = model._default_manager.filter(pk=pk).first()
        if hidden is not None:
            audit.record(
                "permission_denied", by=user, obj=hidden, result=AuditEvent.Result.DENIED, detail=where
            )
        raise


# --- county records of the work streams ---------------------------------------------------------------
# A stream's record belongs to a county and often to an applicant organisation or person. The stream's
# app declares the path to each (`register_county_record`), and the one rule below applies to all.
COUNTY_RECORDS: dict[type[Model], tuple[str, str | None, str | None]] = {}
# Records every organisation of the county may read, e.g. the county's published policy documents.
PUBLIC_IN_COUNTY: set[type[Model]] = set()


def register_county_record(
    model: type[Model],
    *,
    county: str = "county",
    organisation: str | None = None,
    person: str | None = None,
    public_in_county: bool = False,
) -> None:
    COUNTY_RECORDS[model] = (county, organisation, person)
    if public_in_county:
        PUBLIC_IN_COUNTY.add(model)


def county_record_filter(user: Any, model: type[Model], *, for_change: bool = False) -> Q:
    """Region roles see their region's records (only staff change them); an organisation sees its own,
    a person their own."""
    county, organisation, person = COUNTY_RECORDS[model]
    roles = WRITE_REGION_ROLES if for_change else READ_REGION_ROLES
    q = _prefix_q(f"{county}__code", region_prefixes(user, roles))
    if organisation:
        q |= Q(**{f"{organisation}__in": own_organisation_ids(user)})
    if person:
        q |= Q(**{f"{person}__in": own_person_ids(user)})
    if model in PUBLIC_IN_COUNTY and not for_change:
        counties = {
            r.organisation.county_id
            for r in roles_of(user)
            if r.role in ORGANISATION_ROLES and r.organisation
        }
        q |= Q(**{f"{county}__code__in": sorted(counties)})
    return q


def staff_region_filter(user: Any, field: str) -> Q:
    """Records under the regions the user runs as bureau staff, `field` being their region code path."""
    return _prefix_q(field, region_prefixes(user, WRITE_REGION_ROLES))


def is_county_staff(user: Any, county_code: str | None) -> bool:
    """Does the user run the work of this county (bureau staff of it or of a region containing it)?"""
    return bool(county_code) and any(
        str(county_code).startswith(p) for p in region_prefixes(user, WRITE_REGION_ROLES)
    )


def visible(user: Any, queryset: QuerySet) -> QuerySet:
    """Restrict a queryset of a county register to what the user may see."""
    model = queryset.model
    if model in COUNTY_RECORDS:
        return queryset.filter(county_record_filter(user, model))
    if model is Organisation:
        return queryset.filter(organisation_filter(user))
    if model is Person:
        return queryset.filter(person_filter(user))
    if model is AuditEvent:
        return queryset if can_read_audit(user) else queryset.none()
    raise TypeError(f"no visibility rule for {model!r}")
