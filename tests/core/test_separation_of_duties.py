"""三员分立 (等保 2.0): the system administrator creates, disables and resets accounts and grants no role;
a role grant (or revocation) asked for by one security administrator takes effect only when another
approves it; the auditor only reads the log; a password set by anyone but its owner must be changed
at the next login before any page or API call works."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from kechuang.core import services
from kechuang.core.models import (
    AuditEvent,
    Role,
    RoleAssignment,
    RoleGrantRequest,
    User,
)
from tests.conftest import PASSWORD, client_for, make_user
from tests.factories import credit_code_for

NEW_PASSWORD = "Kaihua-mine-2026"


def request_staff_role(client, username, county, reason="新任科员"):
    return client.post(
        reverse("role_request_new"),
        {"username": username, "role": "staff", "region": county.code, "reason": reason},
    )


def decide(client, grant, decision, note=""):
    return client.post(reverse("role_request_decide", args=[grant.pk]), {"decision": decision, "note": note})


def log_in(username, password):
    """A real login through the login page (not force_login), as the person at the keyboard would."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


# --- the two-person role grant ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_grant_takes_effect_only_when_a_second_security_administrator_approves(
    security_user, security_user2, county_a
):
    grantee = make_user("kh_new")
    first = client_for(security_user)
    response = request_staff_role(first, "kh_new", county_a)
    assert response.status_code == 302
    grant = RoleGrantRequest.objects.get(user=grantee)
    assert (grant.decision, grant.requested_by, grant.role) == ("pending", security_user, Role.STAFF)
    assert not grantee.roles.exists()  # a request is not a grant

    # The requester cannot approve their own request, on the page or through the service.
    assert decide(first, grant, "approve").status_code == 403
    with pytest.raises(PermissionDenied):
        services.role_request_approve(request=grant, by=security_user)
    assert not grantee.roles.exists()
    assert AuditEvent.objects.filter(
        user=security_user, action="permission_denied", detail="role_request.approve"
    ).exists()
    # The pending list says why there is no approve button for the requester.
    page = first.get(reverse("role_requests")).content.decode()
    assert "等待另一名安全管理员审批" in page

    second = client_for(security_user2)
    assert decide(second, grant, "approve", "核对任职文件").status_code == 302
    assignment = grantee.roles.get()
    assert (assignment.role, assignment.region) == (Role.STAFF, county_a)
    grant.refresh_from_db()
    assert (grant.decision, grant.decided_by, grant.assignment) == ("approved", security_user2, assignment)
    assert grant.decided_at is not None and grant.decision_note == "核对任职文件"
    # Audited at each step: the request, the grant (naming both people) and the decision.
    assert AuditEvent.objects.filter(action="role_request", object_id=str(grant.pk), user=security_user)
    created = AuditEvent.objects.get(object_type="core.roleassignment", action="create", user=security_user2)
    assert "security1" in created.detail and "security2" in created.detail
    assert AuditEvent.objects.filter(action="role_approved", object_id=str(grant.pk), user=security_user2)
    # A decided request cannot be decided again.
    with pytest.raises(ValidationError, match="已由"):
        services.role_request_approve(request=grant, by=security_user2)


@pytest.mark.django_db
def test_the_grantee_cannot_approve_a_grant_to_themself(security_user, security_user2, staff_a, county_a):
    grant = services.role_request_create(
        by=security_user, user=staff_a, role=Role.LEADER, region=county_a, reason="兼任"
    )
    assert decide(client_for(staff_a), grant, "approve").status_code == 403
    assert not staff_a.roles.filter(role=Role.LEADER).exists()
    # Nor could a security administrator approve a request about their own account; the database holds
    # to it too (check constraints), whatever path writes the row.
    assert not services.permissions.can_decide_role_request(
        security_user2, RoleGrantRequest(user=security_user2, requested_by=security_user)
    )
    grant.decided_by = staff_a
    with pytest.raises(IntegrityError), transaction.atomic():
        grant.save()
    grant.decided_by = security_user
    with pytest.raises(IntegrityError), transaction.atomic():
        grant.save()


@pytest.mark.django_db
def test_nobody_asks_for_a_role_for_themself_and_rejection_needs_a_reason(
    security_user, security_user2, county_a
):
    with pytest.raises(PermissionDenied):
        services.role_request_create(
            by=security_user, user=security_user, role=Role.STAFF, region=county_a, reason="x"
        )
    grantee = make_user("kh_new")
    grant = services.role_request_create(
        by=security_user, user=grantee, role=Role.STAFF, region=county_a, reason="新任"
    )
    second = client_for(security_user2)
    decide(second, grant, "reject")
    grant.refresh_from_db()
    assert grant.decision == "pending"
    decide(second, grant, "reject", "无任职文件")
    grant.refresh_from_db()
    assert (grant.decision, grant.decision_note) == ("rejected", "无任职文件")
    assert not grantee.roles.exists()
    assert AuditEvent.objects.filter(action="role_rejected", object_id=str(grant.pk)).exists()


@pytest.mark.django_db
def test_the_requester_may_withdraw_and_duplicates_are_refused(security_user, security_user2, county_a):
    grantee = make_user("kh_new")
    first = client_for(security_user)
    request_staff_role(first, "kh_new", county_a)
    again = request_staff_role(first, "kh_new", county_a)
    assert again.status_code == 200 and "已有待审批" in again.content.decode()
    grant = RoleGrantRequest.objects.get(user=grantee)
    assert decide(client_for(security_user2), grant, "withdraw").status_code == 403
    decide(first, grant, "withdraw")
    grant.refresh_from_db()
    assert grant.decision == "withdrawn" and not grantee.roles.exists()


@pytest.mark.django_db
def test_a_revocation_also_needs_a_second_security_administrator(security_user, security_user2, staff_a):
    assignment = staff_a.roles.get()
    first = client_for(security_user)
    response = first.post(reverse("role_revoke", args=[assignment.pk]), {"reason": "调离"})
    assert response.status_code == 302
    revoke = RoleGrantRequest.objects.get(kind="revoke")
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert decide(first, revoke, "approve").status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    decide(client_for(security_user2), revoke, "approve")
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(
        action="delete", object_type="core.roleassignment", object_id=str(assignment.pk), user=security_user2
    ).exists()
    # Signed in already, the account loses the role at its next request.
    assert client_for(staff_a).get(reverse("organisation_list")).status_code == 403


@pytest.mark.django_db
def test_the_three_system_roles_are_never_granted_on_the_pages(security_user, security_user2, auditor_user):
    grantee = make_user("kh_new")
    for role in ("admin", "security", "auditor"):
        response = client_for(security_user).post(
            reverse("role_request_new"), {"username": "kh_new", "role": role, "reason": "x"}
        )
        assert response.status_code == 200  # not a choice of the form
        with pytest.raises(ValidationError, match="kechuang createuser"):
            services.role_request_create(by=security_user, user=grantee, role=role, reason="x")
    assert not RoleGrantRequest.objects.exists()


@pytest.mark.django_db
def test_a_system_role_is_held_alone(security_user, auditor_user, admin_user, staff_a, county_a):
    # A business role for the auditor, the administrator or a security administrator: refused.
    for account in (auditor_user, admin_user):
        with pytest.raises(ValidationError, match="三员分立|不能兼有"):
            services.role_request_create(
                by=security_user, user=account, role=Role.STAFF, region=county_a, reason="兼任"
            )
    # Nor a second system role, nor a system role for a business account — even on the bootstrap path.
    with pytest.raises(ValidationError):
        services.role_assign(by=None, user=auditor_user, role=Role.ADMIN)
    with pytest.raises(ValidationError):
        services.role_assign(by=None, user=staff_a, role=Role.SECURITY)
    with pytest.raises(ValidationError):
        services.role_assign(by=None, user=auditor_user, role=Role.STAFF, region=county_a)


# --- who may do what -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_administrator_cannot_grant_roles_on_any_path(admin_user, county_a):
    grantee = make_user("kh_new")
    client = client_for(admin_user)
    assert request_staff_role(client, "kh_new", county_a).status_code == 403
    assert client.get(reverse("role_requests")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.role_assign(by=admin_user, user=grantee, role=Role.STAFF, region=county_a)
    with pytest.raises(PermissionDenied):
        services.role_request_create(
            by=admin_user, user=grantee, role=Role.STAFF, region=county_a, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.user_create(
            by=admin_user,
            username="kh_other",
            password=PASSWORD,
            roles=[{"role": Role.STAFF, "region": county_a}],
        )
    with pytest.raises(PermissionDenied):  # nor waive the forced password change
        services.user_create(
            by=admin_user, username="kh_other", password=PASSWORD, must_change_password=False
        )
    assert not RoleAssignment.objects.filter(user__username__in=["kh_new", "kh_other"]).exists()
    assert not User.objects.filter(username="kh_other").exists()
    # The Django admin site, which could do all of this in one form, is not served any more.
    assert client.get("/sysadmin/core/user/").status_code == 404
    assert client.get("/sysadmin/core/roleassignment/add/").status_code == 404


@pytest.mark.django_db
def test_security_administrators_and_the_auditor_cannot_manage_accounts(security_user, auditor_user, staff_a):
    for user in (security_user, auditor_user):
        client = client_for(user)
        assert client.get(reverse("account_list")).status_code == 403
        response = client.post(reverse("account_create"), {"username": "kh_x", "full_name": "x"})
        assert response.status_code == 403
        assert client.post(reverse("account_reset_password", args=[staff_a.pk])).status_code == 403
        assert (
            client.post(reverse("account_set_active", args=[staff_a.pk]), {"active": "0"}).status_code == 403
        )
        with pytest.raises(PermissionDenied):
            services.user_create(by=user, username="kh_x", password=PASSWORD)
    staff_a.refresh_from_db()
    assert staff_a.is_active and staff_a.check_password(PASSWORD) and not staff_a.must_change_password
    assert not User.objects.filter(username="kh_x").exists()
    # The auditor cannot grant either.
    client = client_for(auditor_user)
    assert client.get(reverse("role_requests")).status_code == 403
    assert (
        client.post(reverse("role_revoke", args=[staff_a.roles.get().pk]), {"reason": "x"}).status_code == 403
    )
    assert not RoleGrantRequest.objects.exists()


@pytest.mark.django_db
def test_the_administrator_keeps_off_the_three_system_accounts_and_their_own(
    admin_user, security_user, auditor_user
):
    other_admin = make_user("sysadmin2", role=Role.ADMIN)
    client = client_for(admin_user)
    for target in (security_user, auditor_user, other_admin, admin_user):
        assert client.post(reverse("account_reset_password", args=[target.pk])).status_code == 403
        assert (
            client.post(reverse("account_set_active", args=[target.pk]), {"active": "0"}).status_code == 403
        )
        target.refresh_from_db()
        assert target.is_active and target.check_password(PASSWORD)
    body = client.get(reverse("account_list")).content.decode()
    assert "三员账号，由服务器操作员管理" in body


# --- accounts: create, disable, reset ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_administrator_creates_an_account_without_role_and_cannot_use_it(admin_user, county_a, org_x):
    client = client_for(admin_user)
    response = client.post(
        reverse("account_create"), {"username": "kh_new", "full_name": "新同事", "phone": "13800000000"}
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="kh_new")
    assert not user.roles.exists() and user.must_change_password and user.check_password(password)
    assert AuditEvent.objects.filter(action="create", object_id=str(user.pk), user=admin_user).exists()

    # Logging in with the password the administrator saw: nothing works until it is changed...
    as_new = log_in("kh_new", password)
    for url in (
        reverse("home"),
        reverse("organisation_list"),
        reverse("imports:export", args=["organisations"]),
    ):
        got = as_new.get(url)
        assert got.status_code == 302 and got.url == reverse("password_change"), url
    api = as_new.get("/api/me")
    assert api.status_code == 403 and "修改密码" in api.json()["detail"]
    # ...and after it has been changed, the account still has no role: no business data, no export.
    as_new.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert as_new.get(reverse("organisation_list")).status_code == 403
    assert as_new.get(reverse("imports:export", args=["organisations"])).status_code == 403
    assert org_x.name not in as_new.get("/api/organisations").content.decode()


@pytest.mark.django_db
def test_a_reset_password_must_be_changed_before_any_page_or_api_call(admin_user, staff_a):
    _token, plain = services.api_token_create(user=staff_a, name="对接")
    bearer = Client(headers={"authorization": f"Bearer {plain}"})
    assert bearer.get("/api/organisations").status_code == 200
    old_session = client_for(staff_a)

    response = client_for(admin_user).post(reverse("account_reset_password", args=[staff_a.pk]))
    assert response.status_code == 200
    temporary = response.context["password"]
    staff_a.refresh_from_db()
    assert staff_a.must_change_password and staff_a.check_password(temporary)
    assert AuditEvent.objects.filter(
        action="password_reset", object_id=str(staff_a.pk), user=admin_user
    ).exists()
    # The owner's old session ended with the reset.
    assert old_session.get(reverse("organisation_list")).status_code == 302

    # The API refuses the account's token with a JSON 403 that says why.
    refused = bearer.get("/api/organisations")
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/json")
    assert "修改密码" in refused.json()["detail"]

    client = log_in("staff_a", temporary)
    page = client.get(reverse("organisation_list"))
    assert page.status_code == 302 and page.url == reverse("password_change")
    form = client.get(reverse("password_change"))
    assert form.status_code == 200 and "请先修改为只有您自己知道的密码" in form.content.decode()
    assert client.get("/api/organisations").status_code == 403
    changed = client.post(
        reverse("password_change"),
        {"old_password": temporary, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    staff_a.refresh_from_db()
    assert not staff_a.must_change_password
    assert client.get(reverse("organisation_list")).status_code == 200
    assert bearer.get("/api/organisations").status_code == 200
    event = AuditEvent.objects.get(action="password_change", user=staff_a)
    assert "首次登录" in event.detail


@pytest.mark.django_db
def test_the_administrator_disables_and_re_enables_an_account(admin_user, staff_a):
    session = client_for(staff_a)
    client = client_for(admin_user)
    client.post(reverse("account_set_active", args=[staff_a.pk]), {"active": "0"})
    staff_a.refresh_from_db()
    assert not staff_a.is_active
    assert session.get(reverse("organisation_list")).status_code == 302  # signed out
    assert Client().post(reverse("login"), {"username": "staff_a", "password": PASSWORD}).status_code == 200
    client.post(reverse("account_set_active", args=[staff_a.pk]), {"active": "1"})
    staff_a.refresh_from_db()
    assert staff_a.is_active
    assert [e.action for e in AuditEvent.objects.filter(object_id=str(staff_a.pk), user=admin_user)] == [
        "activate",
        "deactivate",
    ]


@pytest.mark.django_db
def test_a_pending_enterprise_sign_up_is_activated_by_county_staff_not_the_administrator(
    admin_user, county_a
):
    user = services.enterprise_signup(
        username="qiye_new",
        password=NEW_PASSWORD,
        full_name="张三",
        phone="13800000000",
        email="",
        credit_code=credit_code_for(424242),
        organisation_name="开化县新公司",
        region=county_a,
    )
    assert not user.must_change_password  # the owner chose it
    client_for(admin_user).post(reverse("account_set_active", args=[user.pk]), {"active": "1"})
    user.refresh_from_db()
    assert not user.is_active


# --- the command line --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_changepassword_on_the_server_forces_a_change_too(staff_a, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "staff_a", stdout=io.StringIO())
    staff_a.refresh_from_db()
    assert staff_a.check_password(NEW_PASSWORD) and staff_a.must_change_password
    event = AuditEvent.objects.get(action="password_reset", object_id=str(staff_a.pk))
    assert event.username.startswith("命令行:")


# --- menus -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_of_the_three_sees_only_their_own_menu(admin_user, security_user, auditor_user, staff_a):
    menus = {
        "admin": (admin_user, reverse("account_list")),
        "security": (security_user, reverse("role_requests")),
        "auditor": (auditor_user, reverse("audit_list")),
    }
    links = {reverse("account_list"), reverse("role_requests"), reverse("audit_list")}
    for _name, (user, own) in menus.items():
        body = client_for(user).get(reverse("home")).content.decode()
        assert f'href="{own}"' in body
        for other in links - {own}:
            assert f'href="{other}"' not in body
    body = client_for(staff_a).get(reverse("home")).content.decode()
    assert not any(f'href="{link}"' in body for link in links)


# --- two approvers at the same moment ----------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs two real concurrent connections with row locks: run with DATABASE_URL=postgres://…",
)
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_one_grant_and_the_other_is_told(security_user, security_user2, county_a):
    from tests.programmes.test_concurrency import _in_threads, _split

    third = make_user("security3", role=Role.SECURITY)
    grantee = make_user("kh_new")
    grant = services.role_request_create(
        by=security_user, user=grantee, role=Role.STAFF, region=county_a, reason="新任"
    )
    outcomes = _in_threads(
        *(
            (
                lambda who=who: services.role_request_approve(
                    request=RoleGrantRequest.objects.get(pk=grant.pk), by=who
                )
            )
            for who in (security_user2, third)
        )
    )
    won, lost = _split(outcomes)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], ValidationError) and "已由" in lost[0].messages[0]
    assert RoleAssignment.objects.filter(user=grantee).count() == 1
    assert AuditEvent.objects.filter(action="role_approved", object_id=str(grant.pk)).count() == 1
