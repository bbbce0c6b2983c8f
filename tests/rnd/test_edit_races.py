"""The R&D edit pages use core's compare-and-set (kechuang.core.edits): an enterprise and the county's staff
open the same record; the second to save the same field is told, nothing of theirs is saved; a change of a
different field from the same stale form keeps the first change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.core.models import Role
from kechuang.rnd import services
from tests.conftest import client_for, make_user
from tests.core.replay import assert_replay_matches
from tests.forms import form_values

from .test_project_pages import make_project


@pytest.fixture
def staff_a2(county_a):
    return make_user("staff_a2", role=Role.STAFF, region=county_a)


def _race(first, second, url, record, field, values, other, other_value):
    form_1, form_2 = form_values(first, url), form_values(second, url)
    assert first.post(url, {**form_1, field: values[0]}).status_code == 302
    response = second.post(url, {**form_2, field: values[1]})
    assert response.status_code == 200
    label = record._meta.get_field(field).verbose_name
    assert f"（{label}），您的修改未保存。" in response.content.decode()
    before = getattr(type(record).objects.get(pk=record.pk), field)
    assert second.post(url, {**form_2, other: other_value}).status_code == 302
    record.refresh_from_db()
    assert getattr(record, field) == before
    assert_replay_matches(record)
    return record


def test_a_project_edited_by_the_enterprise_and_the_staff(enterprise_x, staff_a, org_x):
    project = make_project(enterprise_x, org_x, code="RDX-09")
    url = reverse("rnd:project_edit", args=[project.pk])
    project = _race(
        client_for(enterprise_x), client_for(staff_a), url, project, "title", ("新材料研发一期", "新材料研发二期"),
        "staff", "9",
    )  # fmt: skip
    assert project.title == "新材料研发一期" and project.staff == 9


def test_county_economy_edited_by_two_staff(staff_a, staff_a2, county_a):
    row = services.county_economy_save(
        by=staff_a, data={"county": county_a, "year": 2024, "months": 12, "gdp": Decimal("4000000000")}
    )
    url = reverse("rnd:economy_edit", args=[row.pk])
    row = _race(
        client_for(staff_a), client_for(staff_a2), url, row, "gdp", ("410000", "420000"), "source", "统计年鉴"
    )
    assert row.gdp == Decimal("4100000000") and row.source == "统计年鉴"  # typed in 万元, stored in 元
