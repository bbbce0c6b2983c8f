"""Every write leaves an append-only audit event with who, when, where, what, before and after."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from kechuang.core import appendonly, services
from kechuang.core.checks import audit_retention
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
    # Below the ORM, the database refuses too: UPDATE, DELETE and (PostgreSQL) TRUNCATE.
    count = AuditEvent.objects.count()
    for sql in ["UPDATE core_auditevent SET detail = 'x'", "DELETE FROM core_auditevent"] + (
        ["TRUNCATE core_auditevent"] if connection.vendor == "postgresql" else []
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == count


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


def old_event(days, action="test_old"):
    """An event recorded `days` ago (an INSERT with an old time: the log only takes appends)."""
    return AuditEvent.objects.create(
        at=timezone.now() - dt.timedelta(days=days), action=action, detail=str(days)
    )


def prune(username, **options):
    out = io.StringIO()
    call_command("audit_prune", user=username, interactive=False, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_only_the_auditor_prunes_and_only_rows_past_the_retention_period(auditor_user, staff_a, settings):
    assert settings.AUDIT_RETENTION_DAYS == 184
    ancient, kept = old_event(400), old_event(183)
    with pytest.raises(CommandError, match="只有审计员"):
        prune("staff_a")
    assert AuditEvent.objects.filter(pk=ancient.pk).exists()
    assert AuditEvent.objects.filter(action="audit_prune", user=staff_a, result="denied").exists()

    assert "审计日志 1 条" in prune("auditor")
    assert not AuditEvent.objects.filter(pk=ancient.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    event = AuditEvent.objects.get(action="audit_prune", user=auditor_user, result="ok")
    assert event.after["deleted"] == 1 and event.after["retention_days"] == 184


@pytest.mark.django_db
def test_a_longer_retention_and_an_earlier_date_keep_more(auditor_user, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    a, b, _ancient = old_event(300), old_event(500), old_event(2000)
    prune("auditor", before=(timezone.now() - dt.timedelta(days=1000)).date())
    assert set(AuditEvent.objects.filter(action="test_old").values_list("pk", flat=True)) == {a.pk, b.pk}
    prune("auditor", before=timezone.now().date())  # a later date than the retention allows: 365 days
    assert set(AuditEvent.objects.filter(action="test_old").values_list("pk", flat=True)) == {a.pk}


@pytest.mark.django_db
def test_retention_below_184_days_is_an_error_and_is_not_applied(auditor_user, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    assert [e.id for e in audit_retention()] == ["core.E003"]
    recent = old_event(100)
    prune("auditor")
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_the_database_keeps_184_days_even_on_its_prune_path(auditor_user):
    """Whatever the application does with the prune path, a row younger than 184 days stays."""
    recent, ancient = old_event(183), old_event(185)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute("SELECT set_config('kechuang.audit_prune', 'on', true)")
                cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [recent.pk])
            with transaction.atomic():  # the function: asked for everything, it keeps the floor
                cursor.execute("SELECT kechuang_audit_prune(now() + interval '1 day')")
                assert cursor.fetchone()[0] >= 1
        else:
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute("INSERT INTO core_auditpruneguard (started_at) VALUES ('test')")
                cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [recent.pk])
            with transaction.atomic():
                cursor.execute("INSERT INTO core_auditpruneguard (started_at) VALUES ('test')")
                cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [ancient.pk])
                cursor.execute("DELETE FROM core_auditpruneguard")
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert not AuditEvent.objects.filter(pk=ancient.pk).exists()
    # Without the prune path even the old rows are refused.
    older = old_event(900)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [older.pk])


@pytest.mark.django_db
def test_flush_and_sqlflush_refuse_in_production(staff_a, settings):
    settings.PRODUCTION = True
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="生产环境"):
        call_command("flush", interactive=False)
    with pytest.raises(CommandError, match="生产环境"):
        call_command("sqlflush")
    assert AuditEvent.objects.count() == count > 0


@pytest.mark.django_db(transaction=True)
def test_flush_in_demo_mode_empties_the_log_and_puts_the_triggers_back(staff_a):
    """What the test harness does between transactional tests (and `kechuang flush` in the demo)."""
    assert AuditEvent.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert appendonly.missing_triggers(connection) == []
    event = old_event(1000)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
