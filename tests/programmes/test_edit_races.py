"""Every edit page of the programme catalogue uses core's compare-and-set (kechuang.core.edits): two staff
open the same record; the second to save the same field is told who changed it and nothing of theirs is
saved; changes of different fields both survive; the audit log replays to the record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core.models import Role
from kechuang.programmes import services
from kechuang.programmes.models import IncentiveRule, Status
from tests.conftest import client_for, make_user
from tests.core.replay import assert_replay_matches
from tests.forms import form_values

from .fixtures import make_call
from .test_workflow import new_application

# record → (url name, a field both change, another field, first value, second value, other value)
CASES = {
    "policy": ("programmes:policy_edit", "title", "issuing_bodies", "政策甲", "政策乙", "开化县人民政府"),
    "programme": ("programmes:programme_edit", "issuer", "name", "省科技厅", "市科技局", "高企认定"),
    "call": ("programmes:call_edit", "name", "notes", "第一批（修订）", "第二批", "请按时申报"),
    "rule": ("programmes:rule_edit", "item", "article", "首次认定", "重新认定", "第四条"),
}
MODELS = {"policydocument": "policy", "programme": "programme", "call": "call", "incentiverule": "rule"}


@pytest.fixture
def staff_a2(county_a):
    return make_user("staff_a2", role=Role.STAFF, region=county_a)


@pytest.fixture
def record(request, staff_a, policy_a, hte, incentive):
    if request.param == "policy":
        return policy_a
    if request.param == "programme":
        return hte
    if request.param == "call":
        return make_call(staff_a, hte)
    return IncentiveRule.objects.get(policy=policy_a)


@pytest.mark.parametrize("record", list(CASES), indirect=True)
def test_the_second_saver_of_a_field_is_told_and_different_fields_both_survive(record, staff_a, staff_a2):
    name, field, other, first_value, second_value, other_value = CASES[MODELS[record._meta.model_name]]
    label = record._meta.get_field(field).verbose_name
    url = reverse(name, args=[record.pk])
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)
    assert first.post(url, {**form_1, field: first_value}).status_code == 302

    response = second.post(url, {**form_2, field: second_value})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"（{label}），您的修改未保存。" in page and "该记录已被staff_a于" in page
    record.refresh_from_db()
    assert getattr(record, field) == first_value

    # From the same stale form, a change of another field alone goes through and keeps the first change.
    assert second.post(url, {**form_2, other: other_value}).status_code == 302
    record.refresh_from_db()
    assert getattr(record, field) == first_value and getattr(record, other) == other_value
    assert_replay_matches(record)


def test_an_application_saved_from_a_form_opened_before_it_was_submitted_is_refused(
    staff_a, enterprise_x, org_x, key_rd, clock
):
    """The edit reads the status under the row lock: a submission that got there first stays, and the stale
    form's full save can no longer write the old status back."""
    clock.set(dt.date(2026, 4, 1))  # the call is open
    application = new_application(staff_a, key_rd, org_x)
    url = reverse("programmes:application_edit", args=[application.pk])
    client = client_for(enterprise_x)
    form = form_values(client, url)
    services.application_transition(application=application, to=Status.SUBMITTED, by=enterprise_x, comment="")

    response = client.post(url, {**form, "title": "改过的题目"}, follow=True)
    assert "只有草稿或退回修改的申报可以修改（当前：已提交）" in response.content.decode()
    # The same race one step later — the page's check passed, the submission lands before the save: the
    # service reads the status under the lock and refuses, instead of writing the stale draft back.
    stale = type(application).objects.get(pk=application.pk)
    stale.status = Status.DRAFT  # what the page had read
    with pytest.raises(ValidationError, match="当前：已提交"):
        services.application_update(by=enterprise_x, application=stale, data={"title": "改过的题目"})
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.title != "改过的题目"


def test_an_award_edited_by_two_staff(staff_a, staff_a2, org_x, hte):
    application = new_application(staff_a, hte, org_x, status=Status.APPROVED)
    award = application.award
    url = reverse("programmes:award_edit", args=[award.pk])
    first, second = client_for(staff_a), client_for(staff_a2)
    form_1, form_2 = form_values(first, url), form_values(second, url)
    assert first.post(url, {**form_1, "certificate_no": "GR202633099991"}).status_code == 302
    response = second.post(url, {**form_2, "certificate_no": "GR202633099992"})
    assert "（证书编号），您的修改未保存。" in response.content.decode()
    assert second.post(url, {**form_2, "document": "浙科发高〔2026〕13号"}).status_code == 302
    award.refresh_from_db()
    assert award.certificate_no == "GR202633099991" and award.document == "浙科发高〔2026〕13号"
    assert_replay_matches(award)


@pytest.mark.parametrize("status", [Status.APPROVED, Status.DECIDED, Status.RETURNED])
def test_an_applications_audit_log_replays_to_the_row(staff_a, org_x, hte, incentive, key_rd, clock, status):
    """Every write of an application's life is audited with what it wrote (transitions with their stamps,
    the proposed amount, the decision), so the log gives the row back."""
    clock.set(dt.date(2026, 4, 28))
    programme = {Status.APPROVED: key_rd, Status.DECIDED: incentive, Status.RETURNED: key_rd}[status]
    if status == Status.DECIDED:
        new_application(staff_a, hte, org_x, status=Status.APPROVED, call=make_call(staff_a, hte, year=2025))
    application = new_application(staff_a, programme, org_x, status=status)
    assert_replay_matches(application)
