"""Every write to the core registers goes through these functions: pages, API, imports and the CLI
call them, so each rule lives here once. Each one is atomic, validates with full_clean() and writes
its audit event in the same transaction."""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, edits, permissions
from .creditcode import normalise_credit_code
from .models import (
    BUSINESS_ROLES,
    ApiToken,
    Organisation,
    OrganisationYear,
    Person,
    Region,
    Role,
    RoleAssignment,
    Signup,
    SpecialtyTag,
    User,
)

ORGANISATION_FIELDS = [
    "name",
    "kind",
    "credit_code",
    "credit_code_exception",
    "region",
    "industry",
    "size",
    "established_on",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "is_active",
]
PERSON_FIELDS = [
    "name",
    "gender",
    "county",
    "organisation",
    "organisation_name",
    "title",
    "position",
    "specialties",
    "is_expert",
    "is_commissioner",
    "is_talent",
    "is_contact",
    "phone",
    "email",
]


def _assign(obj: Any, data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed) - {"tags"}
    if unknown:
        raise ValidationError(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for key, value in data.items():
        if key != "tags":
            setattr(obj, key, value)


# --- organisations ------------------------------------------------------------------------------------


def organisation_create(*, by: Any, data: dict[str, Any]) -> Organisation:
    organisation = Organisation()
    _assign(organisation, data, ORGANISATION_FIELDS)
    if by is not None:
        permissions.require(
            permissions.can_create_in(by, organisation.region if organisation.region_id else None),
            by,
            "organisation.create",
            what="core.organisation",
        )
    with transaction.atomic():
        organisation.full_clean()
        organisation.save()
        audit.record("create", by=by, obj=organisation, after=audit.snapshot(organisation))
    return organisation


# Fields only county staff may change (among them the reason for accepting a legacy code that fails the
# check digit); an enterprise or department keeps the rest of its profile. Creating is staff-only anyway.
PROTECTED_ORGANISATION_FIELDS = ("credit_code", "credit_code_exception", "kind", "region_id", "is_active")


def organisation_update(
    *, organisation: Organisation, by: Any, data: dict[str, Any], loaded: edits.Loaded | edits.IfMatch | None = None
) -> Organisation:
    """Change the fields of `data` the user changed since `loaded` (what the form showed; None for the API,
    imports and the CLI, which state values): the compare-and-set of kechuang.core.edits."""
    # Permission checks come before the transaction, so the audit row of a refusal is not rolled back.
    if by is not None:
        permissions.require(permissions.can_change(by, organisation), by, "organisation.update", organisation)
    data = dict(data)
    if "credit_code" in data:
        data["credit_code"] = normalise_credit_code(data["credit_code"])  # "91…p" is the same code
    if by is not None:
        probe = copy.copy(organisation)
        before = audit.snapshot(probe)
        _assign(probe, data, ORGANISATION_FIELDS)
        after = audit.snapshot(probe)
        protected = [f for f in PROTECTED_ORGANISATION_FIELDS if after.get(f) != before.get(f)]
        if protected:
            allowed = permissions.can_create_in(by, Region.objects.filter(pk=before["region_id"]).first())
            allowed = allowed and permissions.can_create_in(by, probe.region)
            permissions.require(allowed, by, f"organisation.update:{','.join(protected)}", organisation)
    else:
        _assign(copy.copy(organisation), data, ORGANISATION_FIELDS)  # unknown fields are refused here too
    return edits.update(organisation, by=by, data=data, loaded=loaded)


def organisation_delete(*, organisation: Organisation, by: Any) -> None:
    if by is not None:
        permissions.require(
            permissions.can_create_in(by, organisation.region), by, "organisation.delete", organisation
        )
    with transaction.atomic():
        _organisation_delete(organisation=organisation, by=by)


def _organisation_delete(*, organisation: Organisation, by: Any) -> None:
    before = audit.snapshot(organisation)
    pk, label = organisation.pk, str(organisation)
    # Its yearly rows go with it (CASCADE): each leaves its own audit event.
    audit.record_many(
        audit.build("delete", by=by, obj=y, before=audit.snapshot(y)) for y in organisation.years.all()
    )
    organisation.delete()
    audit.record(
        "delete", by=by, object_type="core.organisation", object_id=str(pk), object_repr=label, before=before
    )


def organisation_year_set(
    *, organisation: Organisation, year: int, is_above_scale: bool, by: Any
) -> OrganisationYear:
    if by is not None:
        permissions.require(
            permissions.can_create_in(by, organisation.region), by, "organisation_year.set", organisation
        )
    with transaction.atomic():
        return _organisation_year_set(
            organisation=organisation, year=year, is_above_scale=is_above_scale, by=by
        )


def _organisation_year_set(
    *, organisation: Organisation, year: int, is_above_scale: bool, by: Any
) -> OrganisationYear:
    row = OrganisationYear.objects.filter(organisation=organisation, year=year).first()
    before = audit.snapshot(row) if row else None
    row = row or OrganisationYear(organisation=organisation, year=year)
    row.is_above_scale = is_above_scale
    row.full_clean()
    row.save()
    audit.record("update" if before else "create", by=by, obj=row, before=before, after=audit.snapshot(row))
    return row


# --- people -------------------------------------------------------------------------------------------


def _tags(names: Iterable[str]) -> list[SpecialtyTag]:
    cleaned = sorted({n.strip() for n in names if n and n.strip()})
    for name in cleaned:
        if len(name) > 30:
            raise ValidationError({"tags": _("标签“%(t)s”超过 30 个字。") % {"t": name}})
    return [SpecialtyTag.objects.get_or_create(name=name)[0] for name in cleaned]


PROTECTED_PERSON_FIELDS = (
    "county_id",
    "organisation_id",
    "is_expert",
    "is_commissioner",
    "is_talent",
    "is_contact",
)


def person_create(*, by: Any, data: dict[str, Any]) -> Person:
    person = Person()
    _assign(person, data, PERSON_FIELDS)
    if by is not None:
        permissions.require(permissions.can_write_person(by, person), by, "person.create", what="core.person")
    with transaction.atomic():
        person.full_clean()
        person.save()
        if "tags" in data:
            person.tags.set(_tags(data["tags"]))
        audit.record("create", by=by, obj=person, after=audit.snapshot(person))
    return person


def person_update(
    *, person: Person, by: Any, data: dict[str, Any], loaded: edits.Loaded | edits.IfMatch | None = None
) -> Person:
    """Change the fields of `data` the user changed since `loaded` (see organisation_update)."""
    if by is not None:
        permissions.require(permissions.can_change(by, person), by, "person.update", person)
    probe = copy.copy(person)
    before = audit.snapshot(probe)
    was_writable = by is None or permissions.can_write_person(by, person)
    _assign(probe, data, PERSON_FIELDS)
    changed = [f for f in PROTECTED_PERSON_FIELDS if audit.snapshot(probe).get(f) != before.get(f)]
    if by is not None and changed:
        # Who someone is (county, workplace, roles) is set by county staff, not by the person themselves.
        allowed = was_writable and permissions.can_write_person(by, probe)
        permissions.require(allowed, by, f"person.update:{','.join(changed)}", person)

    def set_tags(current: Person, fields: list[str]) -> None:
        if "tags" in fields:
            current.tags.set(_tags(data["tags"]))

    return edits.update(person, by=by, data=data, loaded=loaded, after_save=set_tags)


def person_delete(*, person: Person, by: Any) -> None:
    if by is not None:
        permissions.require(permissions.can_delete_person(by, person), by, "person.delete", person)
    before = audit.snapshot(person)
    pk, label = person.pk, str(person)
    with transaction.atomic():
        person.delete()
        audit.record(
            "delete", by=by, object_type="core.person", object_id=str(pk), object_repr=label, before=before
        )


# --- accounts -----------------------------------------------------------------------------------------


def user_create(
    *,
    by: Any,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    is_active: bool = True,
    roles: Iterable[dict[str, Any]] = (),
) -> User:
    """Create an account with its roles. `by` None means the CLI or the demo generator."""
    if by is not None:
        permissions.require(permissions.can_manage_accounts(by), by, "user.create", what="core.user")
    with transaction.atomic():
        return _user_create(
            username=username,
            password=password,
            full_name=full_name,
            phone=phone,
            email=email,
            is_active=is_active,
            roles=roles,
            by=by,
        )


def _user_create(
    *,
    by: Any,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    email: str,
    is_active: bool,
    roles: Iterable[dict[str, Any]],
) -> User:
    user = User(username=username, full_name=full_name, phone=phone, email=email, is_active=is_active)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record("create", by=by, obj=user, after=audit.snapshot(user))
    for role in roles:
        role_assign(by=by, user=user, **role)
    return user


def role_assign(
    *,
    by: Any,
    user: User,
    role: str,
    region: Region | None = None,
    organisation: Organisation | None = None,
    person: Person | None = None,
) -> RoleAssignment:
    if by is not None:
        permissions.require(permissions.can_manage_accounts(by), by, "role.assign", user)
    assignment = RoleAssignment(user=user, role=role, region=region, organisation=organisation, person=person)
    with transaction.atomic():
        assignment.full_clean()
        assignment.save()
        audit.record("create", by=by, obj=assignment, after=audit.snapshot(assignment))
        if role == Role.ADMIN:
            _grant_admin_site(user=user, by=by)
    return assignment


def _grant_admin_site(*, user: User, by: Any) -> None:
    """Open Django's admin site (/sysadmin/) to a system administrator: is_staff plus the model
    permissions on accounts and role assignments, and read access to organisation names so a role
    can be scoped to one. Nothing else: no business data, no audit log."""
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(content_type__app_label="core").filter(
        Q(content_type__model__in=["user", "roleassignment"]) | Q(codename="view_organisation")
    )
    before = {
        "is_staff": user.is_staff,
        "user_permissions": sorted(p.codename for p in user.user_permissions.all()),
    }
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*perms)
    after = {"is_staff": True, "user_permissions": sorted(p.codename for p in user.user_permissions.all())}
    if before != after:
        audit.record(
            "update", by=by, obj=user, before=before, after=after, detail="开通系统管理后台（账号与角色）"
        )


@transaction.atomic
def enterprise_signup(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    email: str,
    credit_code: str,
    organisation_name: str,
    region: Region,
) -> User:
    """An enterprise asks for an account. The account stays inactive and nothing enters the registers
    until county staff approve the request (signup_approve)."""
    with transaction.atomic():
        user = User(username=username, full_name=full_name, phone=phone, email=email, is_active=False)
        validate_password(password, user)
        user.set_password(password)
        user.full_clean()
        user.save()
        signup = Signup(
            user=user,
            organisation_name=organisation_name.strip(),
            credit_code=normalise_credit_code(credit_code),
            region=region,
        )
        signup.full_clean()
        signup.save()
        audit.record("signup", obj=signup, after=audit.snapshot(signup), username=username)
    return user


def signup_approve(*, signup: Signup, by: Any) -> User:
    """Staff approve a sign-up: register the enterprise (or find it by credit code, in their county),
    grant the enterprise role and activate the account — all audited as the staff member."""
    permissions.require(permissions.can_decide_signup(by, signup), by, "signup.approve", signup)
    organisation = (
        Organisation.objects.filter(credit_code=signup.credit_code).select_related("region").first()
    )
    if organisation is not None:
        permissions.require(
            permissions.can_create_in(by, organisation.region),
            by,
            "signup.approve.organisation",
            organisation,
        )
    with transaction.atomic():
        signup = Signup.objects.select_for_update().get(pk=signup.pk)
        if signup.decision != Signup.Decision.PENDING:
            raise ValidationError(_("该申请已经处理过了。"))
        if organisation is None:
            organisation = organisation_create(
                by=by,
                data={
                    "name": signup.organisation_name,
                    "credit_code": signup.credit_code,
                    "region": signup.region,
                    "kind": Organisation.Kind.ENTERPRISE,
                },
            )
        user = signup.user
        role = RoleAssignment(user=user, role=Role.ENTERPRISE, organisation=organisation)
        role.full_clean()
        role.save()
        audit.record("create", by=by, obj=role, after=audit.snapshot(role))
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit.record("activate", by=by, obj=user, before={"is_active": False}, after={"is_active": True})
        _signup_decide(signup, by, Signup.Decision.APPROVED, "")
    return user


def signup_reject(*, signup: Signup, by: Any, reason: str) -> None:
    permissions.require(permissions.can_decide_signup(by, signup), by, "signup.reject", signup)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写驳回原因，申请人会看到它。")})
    with transaction.atomic():
        signup = Signup.objects.select_for_update().get(pk=signup.pk)
        if signup.decision != Signup.Decision.PENDING:
            raise ValidationError(_("该申请已经处理过了。"))
        _signup_decide(signup, by, Signup.Decision.REJECTED, reason.strip())


def _signup_decide(signup: Signup, by: Any, decision: str, reason: str) -> None:
    before = audit.snapshot(signup)
    signup.decision, signup.reason, signup.decided_by, signup.decided_at = (
        decision,
        reason,
        by,
        timezone.now(),
    )
    signup.save()
    b, a = audit.changed_only(before, audit.snapshot(signup))
    audit.record("status_change", by=by, obj=signup, before=b, after=a)


def password_change(*, user: User, new_password: str) -> None:
    if user.check_password(new_password):
        raise ValidationError({"new_password1": _("新密码不能与当前密码相同。")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at"])
    audit.record("password_change", by=user, obj=user)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the stored token and the plain token, which is shown once and never stored."""
    permissions.require(
        bool(permissions.roles_of(user)),
        user,
        "api_token.create",
        what="core.apitoken",
        message=_("没有角色的账号不能创建 API 令牌。"),
    )
    plain = "kc_" + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name or "API", digest=_digest(plain), prefix=plain[:8])
    token.full_clean()
    token.save()
    audit.record("create", by=user, obj=token, after={"name": token.name, "prefix": token.prefix})
    return token, plain


def api_token_revoke(*, token: ApiToken, by: Any) -> None:
    if token.user_id != getattr(by, "pk", None):
        permissions.require(False, by, "api_token.revoke", token)
    with transaction.atomic():
        _api_token_revoke(token=token, by=by)


def _api_token_revoke(*, token: ApiToken, by: Any) -> None:
    audit.record("delete", by=by, obj=token, before={"name": token.name, "prefix": token.prefix})
    token.delete()


def api_token_user(plain: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(digest=_digest(plain)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
