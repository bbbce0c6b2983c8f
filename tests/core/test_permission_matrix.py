"""Every role × (own county, other county, own organisation, other organisation) × (list, detail,
change): nothing leaks across counties or organisations, and every refused attempt is audited.
(Export and API rows of the matrix live in tests/imports and tests/core/test_api*.)"""

import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent
from tests.conftest import client_for
from tests.factories import OrganisationFactory

ROLES = [
    "staff_a",
    "staff_b",
    "leader_a",
    "enterprise_x",
    "department_user_a",
    "expert_a",
    "city_user",
    "province_user",
    "admin_user",
    "security_user",
    "auditor_user",
    "outsider",
]

# object → (roles that may see it, roles that may change it)
ORGANISATIONS = {
    "org_x": (
        {"staff_a", "leader_a", "enterprise_x", "city_user", "province_user"},
        {"staff_a", "enterprise_x"},
    ),
    "org_a2": ({"staff_a", "leader_a", "city_user", "province_user"}, {"staff_a"}),
    "org_y": ({"staff_b", "city_user", "province_user"}, {"staff_b"}),
    "department_a": (
        {"staff_a", "leader_a", "department_user_a", "city_user", "province_user"},
        {"staff_a", "department_user_a"},
    ),
}
PEOPLE = {
    "expert_person_a": (
        {"staff_a", "leader_a", "expert_a", "city_user", "province_user"},
        {"staff_a", "expert_a"},
    ),
    "expert_person_b": ({"staff_b", "city_user", "province_user"}, {"staff_b"}),
}
LIST_ROLES = {
    "staff_a",
    "staff_b",
    "leader_a",
    "enterprise_x",
    "department_user_a",
    "city_user",
    "province_user",
}


@pytest.fixture
def world(request, county_a, org_x, org_y, department_a, expert_person_a, expert_person_b):
    objects = {
        "org_x": org_x,
        "org_a2": OrganisationFactory(name="开化县丙机械有限公司", region=county_a),
        "org_y": org_y,
        "department_a": department_a,
        "expert_person_a": expert_person_a,
        "expert_person_b": expert_person_b,
    }
    users = {name: request.getfixturevalue(name) for name in ROLES}
    return objects, users


def denied_events():
    return AuditEvent.objects.filter(action="permission_denied", result="denied").count()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_organisation_detail_and_change(world, role):
    objects, users = world
    client = client_for(users[role])
    for key, (viewers, changers) in ORGANISATIONS.items():
        org = objects[key]
        before = denied_events()
        detail = client.get(reverse("organisation_detail", args=[org.pk]))
        assert detail.status_code == (200 if role in viewers else 404), (role, key)
        if role not in viewers:
            assert denied_events() == before + 1, f"refused view of {key} by {role} not audited"
            assert org.name not in detail.content.decode()
        before = denied_events()
        edit = client.get(reverse("organisation_edit", args=[org.pk]))
        expected = 200 if role in changers else (403 if role in viewers else 404)
        assert edit.status_code == expected, (role, key, edit.status_code)
        if role not in changers:
            assert denied_events() == before + 1
        # A POST that is refused changes nothing.
        if role not in changers:
            client.post(reverse("organisation_edit", args=[org.pk]), {"name": "篡改后的名称"})
            org.refresh_from_db()
            assert org.name != "篡改后的名称"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_person_detail_and_change(world, role):
    objects, users = world
    client = client_for(users[role])
    for key, (viewers, changers) in PEOPLE.items():
        person = objects[key]
        before = denied_events()
        detail = client.get(reverse("person_detail", args=[person.pk]))
        assert detail.status_code == (200 if role in viewers else 404), (role, key)
        if role not in viewers:
            assert denied_events() == before + 1
        edit = client.get(reverse("person_edit", args=[person.pk]))
        assert edit.status_code == (200 if role in changers else (403 if role in viewers else 404)), (
            role,
            key,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_lists_show_only_what_the_role_may_see(world, role):
    objects, users = world
    client = client_for(users[role])
    before = denied_events()
    response = client.get(reverse("organisation_list"))
    if role not in LIST_ROLES:
        assert response.status_code == 403
        assert denied_events() == before + 1
    else:
        assert response.status_code == 200
        body = response.content.decode()
        for key, (viewers, _changers) in ORGANISATIONS.items():
            assert (objects[key].name in body) == (role in viewers), (role, key)
    people = client.get(reverse("person_list")).content.decode()
    for key, (viewers, _changers) in PEOPLE.items():
        assert (objects[key].name in people) == (role in viewers), (role, key)


@pytest.mark.django_db
def test_search_does_not_reach_other_counties(world):
    objects, users = world
    body = client_for(users["staff_a"]).get(reverse("organisation_list"), {"q": "常山县"}).content.decode()
    assert objects["org_y"].name not in body


@pytest.mark.django_db
def test_contacts_visible_only_to_roles_that_need_them(world):
    objects, users = world
    person = objects["expert_person_a"]
    url = reverse("person_detail", args=[person.pk])
    assert person.phone in client_for(users["staff_a"]).get(url).content.decode()
    assert person.phone in client_for(users["expert_a"]).get(url).content.decode()
    for role in ("leader_a", "city_user", "province_user"):
        assert person.phone not in client_for(users[role]).get(url).content.decode(), role


@pytest.mark.django_db
def test_audit_log_is_for_the_auditor_only(world):
    _objects, users = world
    for role in ROLES:
        response = client_for(users[role]).get(reverse("audit_list"))
        assert response.status_code == (200 if role == "auditor_user" else 403), role


# 三员分立: each page of the three belongs to exactly one role; a refused look is audited.
SEPARATION_PAGES = {
    "account_list": "admin_user",
    "account_create": "admin_user",
    "role_requests": "security_user",
    "role_request_new": "security_user",
    "role_accounts": "security_user",
    "audit_list": "auditor_user",
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_account_role_and_audit_pages_belong_to_one_of_the_three_each(world, role):
    _objects, users = world
    client = client_for(users[role])
    for name, owner in SEPARATION_PAGES.items():
        before = denied_events()
        response = client.get(reverse(name))
        assert response.status_code == (200 if role == owner else 403), (role, name)
        if role != owner:
            assert denied_events() == before + 1, (role, name)
    # The Django admin site (a second way to write accounts and roles) is not served.
    assert client.get("/sysadmin/core/user/").status_code == 404


@pytest.mark.django_db
def test_enterprise_cannot_grant_itself_a_legacy_code_exception(world):
    objects, users = world
    org = objects["org_x"]
    client = client_for(users["enterprise_x"])
    response = client.post(
        reverse("organisation_edit", args=[org.pk]),
        {"name": org.name, "credit_code_exception": "我说它是对的", "credit_code": "91330824MA2XXXXXX1"},
    )
    org.refresh_from_db()
    assert org.credit_code_exception == ""
    assert response.status_code in (200, 302, 403)


# --- export and API rows of the matrix ---------------------------------------------------------------

EXPORT_ROLES = {"staff_a", "staff_b", "leader_a", "city_user", "province_user"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_export_contains_only_what_the_role_may_see(world, role):
    import io

    from python_calamine import CalamineWorkbook

    objects, users = world
    before = denied_events()
    response = client_for(users[role]).get(reverse("imports:export", args=["organisations"]))
    if role not in EXPORT_ROLES:
        assert response.status_code == 403, role
        assert denied_events() == before + 1
        return
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    names = {row[0] for row in rows[1:]}
    for key, (viewers, _changers) in ORGANISATIONS.items():
        assert (objects[key].name in names) == (role in viewers), (role, key)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_api_detail_and_change(world, role):
    objects, users = world
    client = client_for(users[role])
    for key, (viewers, changers) in ORGANISATIONS.items():
        org = objects[key]
        before = denied_events()
        got = client.get(f"/api/organisations/{org.pk}")
        assert got.status_code == (200 if role in viewers else 404), (role, key, got.status_code)
        if role not in viewers:
            assert denied_events() == before + 1
        patched = client.patch(
            f"/api/organisations/{org.pk}", {"address": "篡改的地址"}, content_type="application/json"
        )
        assert patched.status_code == (200 if role in changers else (403 if role in viewers else 404)), (
            role,
            key,
        )
        org.refresh_from_db()
        assert (org.address == "篡改的地址") == (role in changers)
    listed = client.get("/api/organisations")
    if role in LIST_ROLES:
        names = {item["name"] for item in listed.json()["items"]}
        for key, (viewers, _changers) in ORGANISATIONS.items():
            assert (objects[key].name in names) == (role in viewers), (role, key)
    else:
        assert listed.status_code == 403
