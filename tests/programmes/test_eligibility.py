"""Eligible but not claimed: enterprises whose recorded awards entitle them to an incentive."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.eligibility import eligible_unclaimed
from kechuang.programmes.models import Notification, Status
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .fixtures import TODAY, make_call


def _hte_award(staff, hte, organisation, decided_on, certificate):
    call = hte.calls.filter(year=decided_on.year).first() or make_call(staff, hte, year=decided_on.year)
    app = services.application_create(by=staff, data={"call": call, "organisation": organisation})
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff)
    return services.application_approve(
        by=staff, application=app, data={"decided_on": decided_on, "certificate_no": certificate}
    )


@pytest.fixture
def awards(staff_a, hte, incentive, org_x, county_a):
    """org_x and org_z became high-tech enterprises in 2025 (the rule's year); org_old in 2024 (not)."""
    org_z = OrganisationFactory(region=county_a, name="开化县某某新材料有限公司")
    org_old = OrganisationFactory(region=county_a, name="开化县老牌高企有限公司")
    return {
        "x": _hte_award(staff_a, hte, org_x, dt.date(2025, 12, 8), "GR202533000001"),
        "z": _hte_award(staff_a, hte, org_z, dt.date(2025, 11, 20), "GR202533000002"),
        "old": _hte_award(staff_a, hte, org_old, dt.date(2024, 12, 1), "GR202433000003"),
    }


def test_lists_entitled_enterprises_until_they_claim(staff_a, enterprise_x, org_x, incentive, awards):
    rows = eligible_unclaimed(user=staff_a)
    assert {r.award.pk for r in rows} == {awards["x"].pk, awards["z"].pk}  # the 2024 award earns nothing
    assert all(r.amount == Decimal("200000") for r in rows)

    call = make_call(staff_a, incentive)
    claim = services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    row_x = next(r for r in eligible_unclaimed(user=staff_a) if r.organisation == org_x)
    assert row_x.draft == claim  # a draft is not a claim yet, but the list says one is started

    services.application_transition(application=claim, to=Status.SUBMITTED, by=enterprise_x, today=TODAY)
    assert {r.award.pk for r in eligible_unclaimed(user=staff_a)} == {awards["z"].pk}


def test_other_county_sees_nothing(staff_b, awards):
    assert eligible_unclaimed(user=staff_b) == []


def test_page_export_and_reminders(staff_a, enterprise_x, awards):
    client = client_for(staff_a)
    page = client.get("/programmes/eligible/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "开化县某某新材料有限公司" in text and "20万元" in text and "共 2 家企业" in text

    export = client.get("/programmes/eligible/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    names = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0])
    assert len(names) == 2
    assert AuditEvent.objects.filter(action="export", detail__contains="应享未申报").exists()

    client.post("/programmes/eligible/remind/")
    client.post("/programmes/eligible/remind/")  # a second click reminds nobody twice
    inbox = Notification.objects.filter(user=enterprise_x)
    assert inbox.count() == 1 and "尚未申报" in inbox.get().title


def test_enterprises_may_not_see_the_list(enterprise_x, awards):
    assert client_for(enterprise_x).get("/programmes/eligible/").status_code == 403
    assert client_for(enterprise_x).post("/programmes/eligible/remind/").status_code == 403
