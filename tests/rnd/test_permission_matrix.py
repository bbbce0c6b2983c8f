"""The R&D stream's records, role by role: every role × (own county, other county, own enterprise, other
enterprise) × (detail, change). Nothing leaks across counties or enterprises; a refused look is audited."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.rnd import services
from kechuang.rnd.models import CountyEconomy, ReturnType
from tests.conftest import client_for
from tests.core.test_permission_matrix import ROLES
from tests.factories import OrganisationFactory

READERS_A = {"staff_a", "leader_a", "city_user", "province_user"}
READERS_B = {"staff_b", "city_user", "province_user"}
ORGS_A = {"enterprise_x", "department_user_a"}


@pytest.fixture
def world(request, county_a, county_b, org_x, org_y, staff_a, staff_b):
    org_a2 = OrganisationFactory(name="开化县丙机械有限公司", region=county_a)

    def project(org, by, code):
        return services.rnd_project_save(
            by=by,
            data={
                "organisation": org, "code": code, "title": f"{org.name}研发项目", "starts_on": dt.date(2025, 1, 1),
                "ends_on": dt.date(2026, 12, 31), "budget": Decimal("500000"), "staff": 5,
            },
        )  # fmt: skip

    def economy(county, by):
        return services.county_economy_save(
            by=by, data={"county": county, "year": 2025, "months": 12, "gdp": Decimal("2e10")}
        )

    def round_(county, by, listed):
        rt = services.return_type_save(
            by=by,
            data={"county": county, "name": "科普统计", "frequency": "year",
                  "obligation": ReturnType.Obligation.LISTED, "due_workdays": 20},
            listed=listed,
        )  # fmt: skip
        return services.return_round_open(by=by, return_type=rt, year=2025)

    objects = {
        "project_x": (
            project(org_x, staff_a, "RD-X"),
            READERS_A | {"enterprise_x"},
            {"staff_a", "enterprise_x"},
        ),
        "project_a2": (project(org_a2, staff_a, "RD-A2"), READERS_A, {"staff_a"}),
        "project_y": (project(org_y, staff_b, "RD-Y"), READERS_B, {"staff_b"}),
        "economy_a": (economy(county_a, staff_a), READERS_A, {"staff_a"}),
        "economy_b": (economy(county_b, staff_b), READERS_B, {"staff_b"}),
        # A round (which return, which period, when due) is public to the county's organisations, who see
        # their own filing in it and no one else's.
        "round_a": (round_(county_a, staff_a, [org_x, org_a2]), READERS_A | ORGS_A, {"staff_a"}),
        "round_b": (round_(county_b, staff_b, [org_y]), READERS_B, {"staff_b"}),
    }
    users = {name: request.getfixturevalue(name) for name in ROLES}
    return objects, users


DETAIL = {"project": "rnd:project_detail", "round": "rnd:round_detail"}
CHANGE = {"project": "rnd:project_edit", "economy": "rnd:economy_edit"}


def denied() -> int:
    return AuditEvent.objects.filter(action="permission_denied").count()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_rnd_records_by_role(world, role):
    objects, users = world
    client = client_for(users[role])
    for key, (obj, viewers, changers) in objects.items():
        kind = key.split("_")[0]
        if kind in DETAIL:
            before = denied()
            response = client.get(reverse(DETAIL[kind], args=[obj.pk]))
            if role in viewers:
                assert response.status_code == 200, (role, key, response.status_code)
                if kind == "round" and role in ORGS_A:
                    body = response.content.decode()
                    assert ("开化县甲科技有限公司" in body) == (role == "enterprise_x")
                    assert "开化县丙机械有限公司" not in body
            else:
                assert response.status_code in (403, 404), (role, key, response.status_code)
                assert denied() > before, f"refused view of {key} by {role} not audited"
        if kind in CHANGE:
            before = denied()
            response = client.get(reverse(CHANGE[kind], args=[obj.pk]))
            if role in changers:
                assert response.status_code == 200, (role, key, response.status_code)
            else:
                assert response.status_code in (403, 404), (role, key, response.status_code)
                assert denied() > before, f"refused change of {key} by {role} not audited"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_refused_change_changes_nothing(world, role):
    objects, users = world
    client = client_for(users[role])
    project, _viewers, changers = objects["project_y"]
    if role in changers:
        return
    client.post(reverse("rnd:project_edit", args=[project.pk]), {"title": "篡改后的名称"})
    economy, _v, economy_changers = objects["economy_a"]
    if role not in economy_changers:
        client.post(reverse("rnd:economy_edit", args=[economy.pk]), {"gdp": "1"})
    project.refresh_from_db()
    assert project.title != "篡改后的名称"
    assert CountyEconomy.objects.get(pk=economy.pk).gdp == Decimal("2e10")
