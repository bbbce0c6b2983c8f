# ruff: noqa: F811  (the fixtures imported from test_return_pages are named as test parameters)
"""One rule, every path, for the statistical returns: a filing's date, a second "已报送", an enterprise taking its
mark back after the deadline, an exemption without a reason, a due date before the period ends — each tried
through the service and through the pages (the row's form and the bulk marking), each refused the same way.

The round is tests/rnd/test_return_pages' q3: 高企统计季报 2025 Q3 (period ends 30 Sep, due 21 Oct 2025) owed by
four enterprises of county A; 丙 submitted on 15 Oct, 丁 exempt, 甲 (org_x, enterprise_x's) and 戊 pending.
"Today" is the server's clock, fixed at 24 Oct 2025 unless a test moves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.rnd import selectors_returns, services
from kechuang.rnd.models import ReturnFiling, ReturnRound, ReturnType
from tests.conftest import client_for

from .test_return_pages import TODAY, orgs, q3, today  # noqa: F401  (fixtures)
from .test_returns import return_type

D = dt.date
S = ReturnFiling.Status


def state(filing):
    filing.refresh_from_db()
    return filing.status, filing.submitted_on


def page_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_staff_record_an_earlier_date_but_not_before_the_period_ended_nor_after_today(staff_a, q3, orgs):
    filing = q3.filings.get(organisation=orgs["r"])
    for day, message in ((D(2025, 9, 29), "不能早于报告期末"), (D(2025, 10, 25), "不能晚于今天")):
        with pytest.raises(ValidationError, match=message):
            services.filing_update(by=staff_a, filing=filing, status=S.SUBMITTED, submitted_on=day)
    assert state(filing) == (S.PENDING, None)

    client = client_for(staff_a)
    url = reverse("rnd:filing_update", args=[filing.pk])
    response = client.post(url, {"status": "submitted", "submitted_on": "2025-09-20"}, follow=True)
    assert "报送日期不能早于报告期末（2025年9月30日）" in page_messages(response)
    bulk = reverse("rnd:round_mark_submitted", args=[q3.pk])
    pending = list(q3.filings.filter(status=S.PENDING).values_list("pk", flat=True))
    response = client.post(bulk, {"ids": pending, "submitted_on": "2025-09-20"}, follow=True)
    assert "不能早于报告期末" in page_messages(response)
    assert q3.filings.filter(status=S.PENDING).count() == 2  # all or nothing

    # the day the period ended and the days since are the bureau's to record, from the platform's record
    services.filing_update(by=staff_a, filing=filing, status=S.SUBMITTED, submitted_on=D(2025, 9, 30))
    assert state(filing) == (S.SUBMITTED, D(2025, 9, 30))


def test_a_submitted_filing_is_not_submitted_again_on_any_path(staff_a, enterprise_x, q3, orgs, org_x):
    done = q3.filings.get(organisation=orgs["p"])  # submitted on 15 Oct
    with pytest.raises(ValidationError, match="已于2025年10月15日报送，不能重复标记"):
        services.filing_update(by=staff_a, filing=done, status=S.SUBMITTED, submitted_on=D(2025, 10, 20))
    response = client_for(staff_a).post(
        reverse("rnd:filing_update", args=[done.pk]),
        {"status": "submitted", "submitted_on": "2025-10-20"},
        follow=True,
    )
    assert "不能重复标记" in page_messages(response)
    assert state(done) == (S.SUBMITTED, D(2025, 10, 15))

    own = q3.filings.get(organisation=org_x)
    client = client_for(enterprise_x)
    client.post(reverse("rnd:filing_update", args=[own.pk]), {"status": "submitted"})
    assert state(own) == (S.SUBMITTED, TODAY)
    again = client.post(reverse("rnd:filing_update", args=[own.pk]), {"status": "submitted"}, follow=True)
    assert "不能重复标记" in page_messages(again)
    events = AuditEvent.objects.filter(object_type="rnd.returnfiling", object_id=str(own.pk), action="update")
    assert events.count() == 1


def test_the_bulk_marking_leaves_a_filing_someone_submitted_meanwhile_as_it_is(
    staff_a, enterprise_x, q3, org_x
):
    shown = list(q3.filings.filter(status=S.PENDING).order_by("pk"))  # what the staff's page listed
    own = next(f for f in shown if f.organisation_id == org_x.pk)
    services.filing_update(by=enterprise_x, filing=own, status=S.SUBMITTED)  # the enterprise, a moment later
    done = services.filings_mark_submitted(by=staff_a, filings=shown, submitted_on=D(2025, 10, 22))
    assert done == 1
    assert state(own) == (S.SUBMITTED, TODAY)  # its own date, not overwritten by the bulk date


def test_an_enterprise_may_take_its_mark_back_until_the_deadline_only(
    staff_a, enterprise_x, q3, org_x, monkeypatch
):
    own = q3.filings.get(organisation=org_x)
    url = reverse("rnd:filing_update", args=[own.pk])
    client = client_for(enterprise_x)
    monkeypatch.setattr(selectors_returns, "today", lambda: D(2025, 10, 21))  # the due date itself
    client.post(url, {"status": "submitted"})
    assert state(own) == (S.SUBMITTED, D(2025, 10, 21))
    client.post(url, {"status": "pending"})
    assert state(own) == (S.PENDING, None)
    client.post(url, {"status": "submitted"})

    monkeypatch.setattr(selectors_returns, "today", lambda: D(2025, 10, 22))  # one day late
    with pytest.raises(ValidationError, match="已过截止日期（2025年10月21日）"):
        services.filing_update(by=enterprise_x, filing=own, status=S.PENDING)
    response = client.post(url, {"status": "pending"}, follow=True)
    assert "不能撤回" in page_messages(response)
    assert state(own) == (S.SUBMITTED, D(2025, 10, 21))
    # the bureau still corrects it, audited
    services.filing_update(by=staff_a, filing=own, status=S.PENDING)
    assert state(own) == (S.PENDING, None)


def test_an_enterprise_cannot_undo_an_exemption_nor_back_date_its_filing(staff_a, enterprise_x, q3, org_x):
    own = q3.filings.get(organisation=org_x)
    with pytest.raises(ValidationError, match="按当天（2025年10月24日）记录"):
        services.filing_update(by=enterprise_x, filing=own, status=S.SUBMITTED, submitted_on=D(2025, 10, 20))
    assert state(own) == (S.PENDING, None)

    services.filing_update(by=staff_a, filing=own, status=S.EXEMPT, note="本季度停产")
    for status in (S.SUBMITTED, S.PENDING):
        with pytest.raises(ValidationError, match="登记为免报，企业不能更改"):
            services.filing_update(by=enterprise_x, filing=own, status=status)
    response = client_for(enterprise_x).post(
        reverse("rnd:filing_update", args=[own.pk]), {"status": "submitted"}, follow=True
    )
    assert "免报" in page_messages(response)
    assert state(own) == (S.EXEMPT, None)


def test_an_exemption_names_its_reason_in_the_service_too(staff_a, q3, orgs):
    filing = q3.filings.get(organisation=orgs["r"])
    with pytest.raises(ValidationError, match="免报须在备注中注明原因"):
        services.filing_update(by=staff_a, filing=filing, status=S.EXEMPT, note="  ")
    with pytest.raises(ValidationError, match="免报须在备注中注明原因"):
        services.filing_update(by=staff_a, filing=filing, status=S.EXEMPT)  # no note kept either
    assert state(filing) == (S.PENDING, None)


def test_a_due_date_before_the_period_ends_is_refused_by_the_service(staff_a, county_a):
    rt = return_type(staff_a, county_a, name="科技经费季报", obligation=ReturnType.Obligation.BUREAU)
    with pytest.raises(ValidationError) as e:
        services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3, due_on=D(2025, 9, 30))
    assert "须晚于报告期末" in str(e.value.message_dict["due_on"])
    assert not ReturnRound.objects.filter(return_type=rt).exists()


def test_the_enterprises_page_offers_only_what_the_rules_allow(enterprise_x, q3, org_x, monkeypatch):
    client = client_for(enterprise_x)
    page = client.get(reverse("rnd:return_list")).content.decode()
    assert 'name="submitted_on"' not in page and "报送日期记为今天（2025年10月24日）" in page
    client.post(
        reverse("rnd:filing_update", args=[q3.filings.get(organisation=org_x).pk]), {"status": "submitted"}
    )
    late = client.get(reverse("rnd:return_list")).content.decode()
    assert 'value="pending"' not in late and "已过截止日期，如需更正请联系县经信科技局" in late
    monkeypatch.setattr(selectors_returns, "today", lambda: D(2025, 10, 21))
    assert 'value="pending"' in client.get(reverse("rnd:return_list")).content.decode()
