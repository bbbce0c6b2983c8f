"""Every write leaves an append-only audit event with who, when, where, what, before and after."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from kechuang.core import services
from kechuang.core.models import AuditEvent, Organisation, Role, User
from tests.conftest import PASSWORD, client_for
from tests.factories import credit_code_for


def org_form(county_a, **overrides):
    data = {
        "name": "开化县新登记科技有限公司",
        "kind": "enterprise",
        "credit_code": credit_code_for(4242),
        "region": county_a.code,
        "industry": "3985",
        "size": "small",
        "address": "华埠镇华兴路 8 号",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_create_update_delete_through_pages_are_audited_with_before_and_after(staff_a, county_a):
    client = client_for(staff_a)
    response = client.post(reverse("organisation_create"), org_form(county_a))
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organisation.objects.get(name="开化县新登记科技有限公司")
    created = AuditEvent.objects.get(action="create", object_type="core.organisation", object_id=str(org.pk))
    assert (
        created.user == staff_a
        and created.ip == "127.0.0.1"
        and created.after["credit_code"] == org.credit_code
    )

    client.post(
        reverse("organisation_edit", args=[org.pk]), org_form(county_a, name="开化县更名科技有限公司")
    )
    updated = AuditEvent.objects.get(action="update", object_type="core.organisation", object_id=str(org.pk))
    assert updated.before == {"name": "开化县新登记科技有限公司"}
    assert updated.after == {"name": "开化县更名科技有限公司"}

    client.post(reverse("organisation_delete", args=[org.pk]))
    deleted = AuditEvent.objects.get(action="delete", object_type="core.organisation", object_id=str(org.pk))
    assert deleted.before["name"] == "开化县更名科技有限公司" and deleted.after is None


@pytest.mark.django_db
def test_wrong_check_digit_is_refused_with_the_expected_character(staff_a, county_a):
    good = credit_code_for(777)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client_for(staff_a).post(reverse("organisation_create"), org_form(county_a, credit_code=bad))
    assert response.status_code == 200
    assert f"第 18 位应为“{good[17]}”" in response.content.decode()
    assert not Organisation.objects.filter(credit_code=bad).exists()


@pytest.mark.django_db
def test_staff_may_accept_a_legacy_code_only_with_a_reason(staff_a, county_a):
    good = credit_code_for(778)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    client = client_for(staff_a)
    client.post(
        reverse("organisation_create"),
        org_form(county_a, credit_code=bad, credit_code_exception="2015 年前旧证照，经市场监管局核实"),
    )
    org = Organisation.objects.get(credit_code=bad)
    event = AuditEvent.objects.get(action="create", object_type="core.organisation", object_id=str(org.pk))
    assert event.after["credit_code_exception"] == "2015 年前旧证照，经市场监管局核实"


@pytest.mark.django_db
def test_signup_and_activation_are_audited(client, staff_a, county_a):
    code = credit_code_for(9001)
    response = client.post(
        reverse("signup"),
        {
            "organisation_name": "开化县注册测试有限公司",
            "credit_code": code,
            "region": county_a.code,
            "full_name": "张三",
            "phone": "13900000000",
            "email": "",
            "username": "newcorp",
            "password1": "Kaihua-2026x",
            "password2": "Kaihua-2026x",
        },
    )
    assert response.status_code == 200 and "注册已提交" in response.content.decode()
    user = User.objects.get(username="newcorp")
    assert not user.is_active
    # Inactive users cannot log in.
    assert (
        client.post(reverse("login"), {"username": "newcorp", "password": "Kaihua-2026x"}).status_code == 200
    )
    # Nothing entered the registers yet: the enterprise appears only once staff approve.
    assert not Organisation.objects.filter(credit_code=code).exists()
    staff = client_for(staff_a)
    assert "newcorp" in staff.get(reverse("pending_signups")).content.decode()
    staff.post(reverse("signup_decide", args=[user.signup.pk]), {"decision": "approve"})
    user.refresh_from_db()
    assert user.is_active
    org = Organisation.objects.get(credit_code=code)
    assert (
        AuditEvent.objects.get(action="create", object_type="core.organisation", object_id=str(org.pk)).user
        == staff_a
    )
    assert user.roles.get().organisation == org
    event = AuditEvent.objects.get(action="activate", object_id=str(user.pk))
    assert (
        event.user == staff_a and event.before == {"is_active": False} and event.after == {"is_active": True}
    )
    assert (
        client.post(reverse("login"), {"username": "newcorp", "password": "Kaihua-2026x"}).status_code == 302
    )


@pytest.mark.django_db
def test_staff_of_another_county_cannot_activate(staff_b, county_a):
    user = services.enterprise_signup(
        username="corp2",
        password="Kaihua-2026x",
        full_name="李四",
        phone="13900000001",
        email="",
        credit_code=credit_code_for(9002),
        organisation_name="开化县另一家有限公司",
        region=county_a,
    )
    response = client_for(staff_b).post(
        reverse("signup_decide", args=[user.signup.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEvent.objects.filter(action="permission_denied", user=staff_b).exists()


@pytest.mark.django_db
def test_failed_login_is_audited(client, staff_a):
    client.post(reverse("login"), {"username": "staff_a", "password": "nope-Nope-1"})
    event = AuditEvent.objects.get(action="login_failed")
    assert event.username == "staff_a" and event.result == "failed" and event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_role_assignment_and_user_creation_are_audited(reference, county_a):
    user = services.user_create(
        by=None, username="auditme", password=PASSWORD, roles=[{"role": Role.STAFF, "region": county_a}]
    )
    assert AuditEvent.objects.filter(
        action="create", object_type="core.user", object_id=str(user.pk)
    ).exists()
    assert AuditEvent.objects.filter(action="create", object_type="core.roleassignment").exists()
    assert "password" not in AuditEvent.objects.get(object_type="core.user", object_id=str(user.pk)).after


@pytest.mark.django_db
def test_audit_log_is_append_only(staff_a, org_x):
    event = AuditEvent.objects.first()
    event.detail = "改写"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(detail="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    # Below the ORM, the database refuses too.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET detail = 'x'")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent")


@pytest.mark.django_db
def test_auditor_browses_filters_and_exports(auditor_user, staff_a, client):
    client.post(reverse("login"), {"username": "staff_a", "password": "bad-Passw0rd"})
    auditor = client_for(auditor_user)
    page = auditor.get(reverse("audit_list"), {"action": "login_failed"}).content.decode()
    assert "login_failed" in page and "staff_a" in page
    export = auditor.get(reverse("audit_export"), {"action": "login_failed"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEvent.objects.filter(action="export", user=auditor_user).exists()


@pytest.mark.django_db
def test_rejected_signup_needs_a_reason_and_stays_inactive(staff_a, county_a):
    user = services.enterprise_signup(
        username="corp3",
        password="Kaihua-2026x",
        full_name="王五",
        phone="13900000002",
        email="",
        credit_code=credit_code_for(9003),
        organisation_name="假冒企业",
        region=county_a,
    )
    client = client_for(staff_a)
    client.post(reverse("signup_decide", args=[user.signup.pk]), {"decision": "reject", "reason": ""})
    user.signup.refresh_from_db()
    assert user.signup.decision == "pending"
    client.post(
        reverse("signup_decide", args=[user.signup.pk]),
        {"decision": "reject", "reason": "信用代码与名称不符"},
    )
    user.signup.refresh_from_db()
    user.refresh_from_db()
    assert user.signup.decision == "rejected" and not user.is_active
    assert not Organisation.objects.filter(name="假冒企业").exists()
    assert "假冒企业" not in client.get(reverse("pending_signups")).content.decode()


@pytest.mark.django_db
def test_staff_cannot_reactivate_accounts_that_are_not_signups(staff_a, department_user_a):
    department_user_a.is_active = False
    department_user_a.save()
    assert "department_a" not in client_for(staff_a).get(reverse("pending_signups")).content.decode()


@pytest.mark.django_db
def test_signup_for_an_organisation_of_another_county_cannot_be_approved_here(staff_a, county_a, org_y):
    user = services.enterprise_signup(
        username="corp4",
        password="Kaihua-2026x",
        full_name="赵六",
        phone="13900000003",
        email="",
        credit_code=org_y.credit_code,
        organisation_name=org_y.name,
        region=county_a,
    )
    response = client_for(staff_a).post(
        reverse("signup_decide", args=[user.signup.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_active and not user.roles.exists()


@pytest.mark.django_db
def test_deleting_an_organisation_audits_its_yearly_rows(staff_a, org_x):
    services.organisation_year_set(organisation=org_x, year=2025, is_above_scale=True, by=staff_a)
    services.organisation_delete(organisation=org_x, by=staff_a)
    event = AuditEvent.objects.get(action="delete", object_type="core.organisationyear")
    assert event.before["year"] == 2025 and event.user == staff_a
