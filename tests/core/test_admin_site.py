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
