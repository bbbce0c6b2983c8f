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
    RoleGrantRequest,
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
    "county",
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
    "landline",
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


def organisation_default_county(*, by: Any, region: Region | None) -> Region | None:
    """The register an organisation entered without one goes to: the county it is located in; for a
    location above county level (a province, a city: a higher authority) the one county the user runs.
    None when that is not clear. A partner located in another county (浙江大学 in 西湖区) names its
    register explicitly, so a mistyped location is refused rather than taken for a partner."""
    located = region.county if region is not None else None
    if located is not None:
        return located
    if by is not None:
        counties = permissions.staff_counties_of(by)
        if len(counties) == 1:
            return counties[0]
    return None


def organisation_create(*, by: Any, data: dict[str, Any]) -> Organisation:
    organisation = Organisation()
    _assign(organisation, data, ORGANISATION_FIELDS)
    if not organisation.county_id:
        county = organisation_default_county(
            by=by, region=organisation.region if organisation.region_id else None
        )
        if county is not None:
            organisation.county = county
    if by is not None:
        permissions.require(
            permissions.can_write_organisation(by, organisation),
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
PROTECTED_ORGANISATION_FIELDS = (
    "credit_code",
    "credit_code_exception",
    "kind",
    "region_id",
    "county_id",
    "is_active",
)


def organisation_update(
    *,
    organisation: Organisation,
    by: Any,
    data: dict[str, Any],
    loaded: edits.Loaded | edits.IfMatch | None = None,
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
            # Staff of the county whose register holds it, before and after (a move to another county's
            # register needs the rights of both).
            allowed = permissions.can_create_in(by, Region.objects.filter(pk=before["county_id"]).first())
            allowed = allowed and permissions.can_write_organisation(by, probe)
            permissions.require(allowed, by, f"organisation.update:{','.join(protected)}", organisation)
    else:
        _assign(copy.copy(organisation), data, ORGANISATION_FIELDS)  # unknown fields are refused here too
    return edits.update(organisation, by=by, data=data, loaded=loaded)


def organisation_delete(*, organisation: Organisation, by: Any) -> None:
    if by is not None:
        permissions.require(
            permissions.can_write_organisation(by, organisation), by, "organisation.delete", organisation
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
            permissions.can_write_organisation(by, organisation), by, "organisation_year.set", organisation
        )
    if is_above_scale and not organisation.is_local:
        raise ValidationError({"is_above_scale": above_scale_outsider_error(organisation)})
    with transaction.atomic():
        return _organisation_year_set(
            organisation=organisation, year=year, is_above_scale=is_above_scale, by=by
        )


def above_scale_outsider_error(organisation: Organisation) -> str:
    return _("规上工业企业名录只收录位于本县的企业：%(name)s位于%(place)s，是本县登记的县外单位。") % {
        "name": organisation.name,
        "place": organisation.location_name,
    }


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
    must_change_password: bool = True,
) -> User:
    """Create an account. The system administrator (`by`) creates accounts without roles: roles are
    granted by security administrators, two persons per grant (role_request_*). The password is set by
    someone other than its owner, so the owner must change it at the first login.

    `by` None is the server side (the CLI, the demo generator, tests): only there may `roles` be given
    (assigned at once, audited as that bootstrap) and the forced change be waived (the demo's
    published logins, test fixtures). Pages and the API always pass the acting user."""
    roles = list(roles)
    if by is not None:
        permissions.require(permissions.can_manage_accounts(by), by, "user.create", what="core.user")
        if roles or not must_change_password:
            permissions.require(
                False,
                by,
                "user.create:roles",
                what="core.user",
                message=_(
                    "系统管理员只创建账号，不能授予角色：角色由安全管理员申请并经另一名安全管理员批准。"
                ),
            )
    with transaction.atomic():
        user = User(username=username, full_name=full_name, phone=phone, email=email, is_active=is_active)
        validate_password(password, user)
        user.set_password(password)
        user.must_change_password = must_change_password
        user.full_clean()
        user.save()
        audit.record("create", by=by, obj=user, after=audit.snapshot(user))
        for role in roles:
            role_assign(by=None, user=user, **role)
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
    """Assign a role at once: the server-side bootstrap only (`by` None: the CLI's first system
    accounts, the demo, tests). Everyone else asks with role_request_create and another security
    administrator approves."""
    if by is not None:
        permissions.require(
            False,
            by,
            "role.assign",
            user,
            message=_("角色须由安全管理员申请、另一名安全管理员批准后才生效。"),
        )
    assignment = RoleAssignment(user=user, role=role, region=region, organisation=organisation, person=person)
    with transaction.atomic():
        assignment.full_clean()
        assignment.save()
        audit.record(
            "create",
            obj=assignment,
            after=audit.snapshot(assignment),
            detail="服务器端直接授权（命令行初始化、演示数据或测试）",
        )
    return assignment


def temporary_password() -> str:
    """A random password that passes the password rules, for the administrator to hand over; the
    owner must replace it at the first login."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    while True:
        body = "".join(secrets.choice(alphabet) for _i in range(12))
        candidate = f"{body[:4]}-{body[4:8]}-{body[8:]}"
        if (
            any(c.isupper() for c in body)
            and any(c.islower() for c in body)
            and any(c.isdigit() for c in body)
        ):
            return candidate


def _require_account_manager(by: Any, user: User, action: str) -> None:
    permissions.require(
        permissions.can_manage_account(by, user),
        by,
        action,
        user,
        message=_("系统管理员不能管理自己的账号或系统管理员、安全管理员、审计员的账号（三员分立）。"),
    )


def user_password_reset(*, user: User, by: Any, password: str) -> None:
    """Someone other than the owner sets the password (the administrator's reset page; `by` None for
    the CLI): audited, every session of the account ends, and the owner must change it at next login."""
    if by is not None:
        _require_account_manager(by, user, "user.password_reset")
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.must_change_password = True
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit.record(
            "password_reset",
            by=by,
            obj=user,
            after={"must_change_password": True},
            detail="他人重置密码，下次登录须修改",
        )


def user_set_active(*, user: User, by: Any, active: bool) -> None:
    """The administrator disables (or re-enables) an account. An enterprise sign-up waiting for its
    county's approval is activated by county staff (signup_approve), not here."""
    _require_account_manager(by, user, "user.activate" if active else "user.deactivate")
    signup = Signup.objects.filter(user=user).first()
    if active and signup is not None and signup.decision != Signup.Decision.APPROVED:
        raise ValidationError(_("该账号是企业注册申请，须由所在县科技管理科审核激活。"))
    if user.is_active == active:
        return
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.record(
            "activate" if active else "deactivate",
            by=by,
            obj=user,
            before={"is_active": not active},
            after={"is_active": active},
        )


# --- role grants: two persons ------------------------------------------------------------------------


def _requester_label(by: Any) -> str:
    return by.get_username() if by is not None else (audit.build("x").username or "命令行")


def _pending_duplicate(user: User, role: str, region: Any, organisation: Any, person: Any) -> bool:
    return RoleGrantRequest.objects.filter(
        user=user,
        role=role,
        region=region,
        organisation=organisation,
        person=person,
        decision=RoleGrantRequest.Decision.PENDING,
    ).exists()


def role_request_create(
    *,
    by: Any,
    user: User,
    role: str,
    reason: str,
    region: Region | None = None,
    organisation: Organisation | None = None,
    person: Person | None = None,
) -> RoleGrantRequest:
    """Ask for a business role for an account. `by` is a security administrator, or None for the server
    operator (`kechuang createuser`). It takes effect when another security administrator approves."""
    if by is not None:
        permissions.require(permissions.can_grant_roles(by), by, "role_request.create", user)
        permissions.require(
            by.pk != user.pk, by, "role_request.create:self", user, message=_("不能为自己申请角色。")
        )
    if role not in {r.value for r in BUSINESS_ROLES}:
        raise ValidationError(
            {"role": _("系统管理员、安全管理员和审计员账号只能由服务器操作员用 kechuang createuser 创建。")}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写申请理由（如：岗位、依据的文件）。")})
    # Validate the grant as it would be made (scope, 三员分立, not already held).
    RoleAssignment(user=user, role=role, region=region, organisation=organisation, person=person).full_clean()
    with transaction.atomic():
        if _pending_duplicate(user, role, region, organisation, person):
            raise ValidationError(_("同一授权已有待审批的申请。"))
        request = RoleGrantRequest(
            kind=RoleGrantRequest.Kind.GRANT,
            user=user,
            role=role,
            region=region,
            organisation=organisation,
            person=person,
            reason=reason.strip(),
            requested_by=by,
            requested_label=_requester_label(by),
        )
        request.full_clean()
        request.save()
        audit.record("role_request", by=by, obj=request, after=audit.snapshot(request))
    return request


def role_revoke_request(*, by: Any, assignment: RoleAssignment, reason: str) -> RoleGrantRequest:
    """Ask to revoke a business role; it goes when another security administrator approves."""
    permissions.require(permissions.can_grant_roles(by), by, "role_request.revoke", assignment.user)
    permissions.require(
        by.pk != assignment.user_id,
        by,
        "role_request.revoke:self",
        assignment.user,
        message=_("不能为自己申请撤销角色。"),
    )
    if assignment.role not in {r.value for r in BUSINESS_ROLES}:
        raise ValidationError(_("系统管理员、安全管理员和审计员的角色只能在服务器上处理。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤销理由。")})
    with transaction.atomic():
        if RoleGrantRequest.objects.filter(
            assignment=assignment,
            kind=RoleGrantRequest.Kind.REVOKE,
            decision=RoleGrantRequest.Decision.PENDING,
        ).exists():
            raise ValidationError(_("该角色已有待审批的撤销申请。"))
        request = RoleGrantRequest(
            kind=RoleGrantRequest.Kind.REVOKE,
            user=assignment.user,
            role=assignment.role,
            region=assignment.region,
            organisation=assignment.organisation,
            person=assignment.person,
            assignment=assignment,
            reason=reason.strip(),
            requested_by=by,
            requested_label=_requester_label(by),
        )
        request.full_clean()
        request.save()
        audit.record("role_request", by=by, obj=request, after=audit.snapshot(request))
    return request


def _decide(request: RoleGrantRequest, by: Any, decision: str, note: str) -> None:
    before = audit.snapshot(request)
    request.decision, request.decided_by, request.decided_at, request.decision_note = (
        decision,
        by,
        timezone.now(),
        note,
    )
    request.save()
    b, a = audit.changed_only(before, audit.snapshot(request))
    audit.record(f"role_{decision}", by=by, obj=request, before=b, after=a)


def _locked_pending(request: RoleGrantRequest) -> RoleGrantRequest:
    locked = RoleGrantRequest.objects.select_for_update().get(pk=request.pk)
    if locked.decision != RoleGrantRequest.Decision.PENDING:
        raise ValidationError(
            _("该申请已由 %(who)s 处理（%(d)s）。")
            % {"who": locked.decided_by or locked.requested_label, "d": locked.get_decision_display()}
        )
    return locked


def role_request_approve(*, request: RoleGrantRequest, by: Any, note: str = "") -> RoleGrantRequest:
    """A second security administrator approves: the grant is made (or the role revoked) now."""
    permissions.require(
        permissions.can_decide_role_request(by, request),
        by,
        "role_request.approve",
        request,
        message=_("授权申请须由另一名安全管理员审批：申请人和被授权账号本人都不能批准。"),
    )
    with transaction.atomic():
        request = _locked_pending(request)
        detail = f"申请人 {request.requested_label}，批准人 {by.get_username()}，申请 #{request.pk}"
        if request.kind == RoleGrantRequest.Kind.GRANT:
            assignment = RoleAssignment(
                user=request.user,
                role=request.role,
                region=request.region,
                organisation=request.organisation,
                person=request.person,
            )
            assignment.full_clean()
            assignment.save()
            audit.record("create", by=by, obj=assignment, after=audit.snapshot(assignment), detail=detail)
            request.assignment = assignment
        else:
            revoked = RoleAssignment.objects.filter(pk=request.assignment_id or 0).first()
            if revoked is None:
                raise ValidationError(_("该角色已不存在，无需撤销。"))
            audit.record("delete", by=by, obj=revoked, before=audit.snapshot(revoked), detail=detail)
            revoked.delete()
            request.assignment = None  # gone; the request keeps the role and scope it revoked
        _decide(request, by, RoleGrantRequest.Decision.APPROVED, note.strip())
    return request


def role_request_reject(*, request: RoleGrantRequest, by: Any, note: str) -> RoleGrantRequest:
    permissions.require(
        permissions.can_decide_role_request(by, request),
        by,
        "role_request.reject",
        request,
        message=_("授权申请须由另一名安全管理员审批：申请人和被授权账号本人都不能驳回。"),
    )
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写驳回理由。")})
    with transaction.atomic():
        request = _locked_pending(request)
        _decide(request, by, RoleGrantRequest.Decision.REJECTED, note.strip())
    return request


def role_request_withdraw(*, request: RoleGrantRequest, by: Any) -> RoleGrantRequest:
    """The requester takes their own pending request back."""
    permissions.require(
        by is not None and request.requested_by_id == by.pk and permissions.can_grant_roles(by),
        by,
        "role_request.withdraw",
        request,
        message=_("只有申请人本人可以撤回申请。"),
    )
    with transaction.atomic():
        request = _locked_pending(request)
        before = audit.snapshot(request)
        request.decision, request.decided_at = RoleGrantRequest.Decision.WITHDRAWN, timezone.now()
        request.save()
        b, a = audit.changed_only(before, audit.snapshot(request))
        audit.record("role_withdrawn", by=by, obj=request, before=b, after=a)
    return request


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
        # Every account's creation is a core.user event, a sign-up's too (made by its owner, anonymous).
        audit.record("create", obj=user, after=audit.snapshot(user), username=username)
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
            permissions.can_write_organisation(by, organisation),
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
    """The owner sets their own password (which lifts a forced change)."""
    if user.check_password(new_password):
        raise ValidationError({"new_password1": _("新密码不能与当前密码相同。")})
    validate_password(new_password, user)
    was_forced = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(
        "password_change", by=user, obj=user, detail="首次登录修改他人设置的密码" if was_forced else ""
    )


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
