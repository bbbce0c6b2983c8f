"""The system administrator manages accounts and roles at /sysadmin/, and every change is audited."""

import pytest

from kechuang.core.models import AuditEvent, RoleAssignment, User
from tests.conftest import client_for

INLINE = {
    "roles-TOTAL_FORMS": "1",
    "roles-INITIAL_FORMS": "0",
    "roles-MIN_NUM_FORMS": "0",
    "roles-MAX_NUM_FORMS": "1000",
}


@pytest.mark.django_db
def test_admin_creates_an_account_with_a_role_and_it_is_audited(admin_user, county_a):
    client = client_for(admin_user)
    response = client.post(
        "/sysadmin/core/user/add/",
        {
            "username": "new_staff",
            "full_name": "新同事",
            "password1": "Kaihua-2026x",
            "password2": "Kaihua-2026x",
            "usable_password": "true",
            **INLINE,
            "roles-0-role": "staff",
            "roles-0-region": county_a.code,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="new_staff")
    assert RoleAssignment.objects.filter(user=user, role="staff", region=county_a).exists()
    assert AuditEvent.objects.filter(
        action="create", object_type="core.user", object_id=str(user.pk), user=admin_user
    ).exists()
    assert AuditEvent.objects.filter(
        action="create", object_type="core.roleassignment", user=admin_user
    ).exists()


@pytest.mark.django_db
def test_admin_password_reset_is_audited_and_validated(admin_user, staff_a):
    client = client_for(admin_user)
    url = f"/sysadmin/core/user/{staff_a.pk}/password/"
    weak = client.post(url, {"password1": "12345678", "password2": "12345678", "usable_password": "true"})
    assert weak.status_code == 200
    ok = client.post(
        url, {"password1": "Kaihua-2026y", "password2": "Kaihua-2026y", "usable_password": "true"}
    )
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(
        action="password_reset", object_id=str(staff_a.pk), user=admin_user
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff_a", "auditor_user", "leader_a", "outsider"])
def test_only_the_administrator_enters_the_admin_site(request, role):
    response = client_for(request.getfixturevalue(role)).get("/sysadmin/")
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.django_db
def test_admin_cannot_grant_system_roles_or_roles_to_themself(admin_user, auditor_user, staff_a):
    client = client_for(admin_user)
    for user, role in (
        (admin_user, "auditor"),
        (admin_user, "staff"),
        (staff_a, "auditor"),
        (staff_a, "admin"),
    ):
        response = client.post(
            "/sysadmin/core/roleassignment/add/",
            {"user": user.pk, "role": role, "region": "330824" if role == "staff" else ""},
        )
        assert response.status_code in (200, 403), (user, role)
        assert not RoleAssignment.objects.filter(user=user, role=role).exclude(
            user=auditor_user
        ).exists() or (user, role) == (staff_a, "staff")
    assert client.get("/audit/").status_code == 403
    # The role form offers no system roles.
    form = client.get("/sysadmin/core/roleassignment/add/").content.decode()
    assert 'value="auditor"' not in form and 'value="admin"' not in form and 'value="staff"' in form


@pytest.mark.django_db
def test_admin_cannot_take_over_the_auditor_account(admin_user, auditor_user):
    client = client_for(admin_user)
    response = client.post(
        f"/sysadmin/core/user/{auditor_user.pk}/password/",
        {"password1": "Kaihua-2026z", "password2": "Kaihua-2026z", "usable_password": "true"},
    )
    assert response.status_code == 403
    auditor_user.refresh_from_db()
    assert not auditor_user.check_password("Kaihua-2026z")
    change = client.post(
        f"/sysadmin/core/user/{auditor_user.pk}/change/", {"username": "auditor", "is_active": ""}
    )
    auditor_user.refresh_from_db()
    assert auditor_user.is_active and change.status_code in (200, 403)
    assert AuditEvent.objects.filter(user=admin_user, result="denied").exists()


@pytest.mark.django_db
def test_admin_cannot_browse_the_organisation_register(admin_user, org_x, org_y):
    client = client_for(admin_user)
    assert client.get("/sysadmin/core/organisation/").status_code == 403
    assert client.get(f"/sysadmin/core/organisation/{org_x.pk}/change/").status_code == 403
    found = client.get(
        "/sysadmin/autocomplete/",
        {"app_label": "core", "model_name": "roleassignment", "field_name": "organisation", "term": "开化"},
    )
    assert found.status_code == 200 and org_x.name in [r["text"] for r in found.json()["results"]]


@pytest.mark.django_db
def test_other_roles_knocking_on_the_admin_site_are_audited(staff_a):
    client_for(staff_a).get("/sysadmin/")
    assert AuditEvent.objects.filter(user=staff_a, action="permission_denied", object_type="admin").exists()
