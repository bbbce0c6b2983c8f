"""Money out: disbursements against awards, capped by the decided amount and by the county's matching
funds, paid only after a payment 公示 has ended without a standing objection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Application, Disbursement, Status

from .fixtures import at
from .test_amounts import record_award, submit_claim
from .test_workflow import AFTER_NOTICE, _story_clock, approve_data, new_application, payment_notice  # noqa: F401

S = Status
NOTICE_ENDS = dt.date(2026, 5, 11)  # published Wed 6 May for 5 working days: 6, 7, 8, 9 (make-up Sat), 11


def pay(staff, award, amount, today=AFTER_NOTICE, **extra):
    data = {"amount": Decimal(amount), "source": "county", "fiscal_year": 2026, "paid_on": today,
            "voucher_no": f"记-2026-{Disbursement.objects.count() + 1:03d}", **extra}  # fmt: skip
    with at(today):  # paid on the day it is recorded
        return services.disbursement_create(by=staff, award=award, data=data)


@pytest.fixture
def decided_claim(staff_a, enterprise_x, org_x, hte, incentive):
    """org_x became a high-tech enterprise in 2025: its claim is decided at the proposed 200,000 元."""
    record_award(staff_a, hte, org_x, dt.date(2025, 12, 8))
    claim = submit_claim(staff_a, enterprise_x, incentive, org_x)
    services.application_transition(application=claim, to=S.CHECKED, by=staff_a)
    services.claim_decide(by=staff_a, application=claim, decided_on=dt.date(2026, 4, 28))
    claim = Application.objects.get(pk=claim.pk)
    assert claim.award.amount == Decimal("200000")
    return claim


def test_a_claim_paid_in_two_tranches_is_paid_after_the_second(staff_a, decided_claim):
    payment_notice(staff_a, [decided_claim])
    award = decided_claim.award

    pay(staff_a, award, "150000", tranche=1)
    decided_claim.refresh_from_db()
    assert decided_claim.status == S.DECIDED  # 50,000 still owed

    pay(staff_a, award, "50000", tranche=2)
    decided_claim.refresh_from_db()
    assert decided_claim.status == S.PAID
    last = decided_claim.transitions.last()
    assert (last.from_status, last.to_status, last.actor) == (S.DECIDED, S.PAID, staff_a)
    assert AuditEvent.objects.filter(action="create", object_type="programmes.disbursement").count() == 2


def test_over_payment_is_refused_with_the_amounts(staff_a, decided_claim):
    payment_notice(staff_a, [decided_claim])
    pay(staff_a, decided_claim.award, "150000")
    with pytest.raises(ValidationError) as e:
        pay(staff_a, decided_claim.award, "60000")
    # 150,000 + 60,000 = 210,000 > 200,000
    assert e.value.message_dict["amount"] == [
        "累计拨付 210000.00 元将超过核定金额 200000.00 元（已拨付 150000.00 元）。"
    ]
    assert Disbursement.objects.count() == 1
    assert Application.objects.get(pk=decided_claim.pk).status == S.DECIDED


@pytest.mark.parametrize("amount", ["0", "-100"])
def test_a_payment_must_be_positive(staff_a, decided_claim, amount):
    payment_notice(staff_a, [decided_claim])
    with pytest.raises(ValidationError):
        pay(staff_a, decided_claim.award, amount)
    assert not Disbursement.objects.exists()


def test_a_paid_claim_takes_no_more_money(staff_a, decided_claim):
    payment_notice(staff_a, [decided_claim])
    pay(staff_a, decided_claim.award, "200000")
    with pytest.raises(ValidationError, match="奖励须核定金额后才能兑现（当前：已兑现）"):
        pay(staff_a, decided_claim.award, "1")


# --- the 公示 and its objections -----------------------------------------------------------------------------


def test_no_payment_without_a_payment_notice(staff_a, decided_claim):
    with pytest.raises(ValidationError, match="须先发布资金兑现公示"):
        pay(staff_a, decided_claim.award, "200000")


def test_payment_waits_for_the_end_of_the_notice(staff_a, decided_claim):
    notice = payment_notice(staff_a, [decided_claim])
    assert notice.ends_on == NOTICE_ENDS
    with pytest.raises(ValidationError) as e:
        pay(staff_a, decided_claim.award, "200000", today=NOTICE_ENDS)  # its last day is still inside it
    assert e.value.messages == [
        "公示期至 2026年5月11日，期满后方可拨付。"
    ]  # the date should read 2026年5月11日 (see report)

    pay(staff_a, decided_claim.award, "200000", today=NOTICE_ENDS + dt.timedelta(days=1))
    assert Application.objects.get(pk=decided_claim.pk).status == S.PAID


def _objection(staff, notice, application, content="该企业2025年研发费用存在虚报"):
    return services.objection_record(
        by=staff, notice=notice,
        data={"application": application, "received_on": dt.date(2026, 5, 8), "raised_by": "匿名", "content": content},
    )  # fmt: skip


@pytest.mark.parametrize(("upheld", "blocks"), [(None, True), (True, True), (False, False)])
def test_an_open_or_upheld_objection_blocks_payment(staff_a, decided_claim, upheld, blocks):
    notice = payment_notice(staff_a, [decided_claim])
    objection = _objection(staff_a, notice, decided_claim)
    if upheld is not None:
        services.objection_resolve(
            by=staff_a,
            objection=objection,
            upheld=upheld,
            resolution="经核查，情况属实" if upheld else "经核查，不属实",
        )
    if blocks:
        with pytest.raises(ValidationError, match="有尚未处理或成立的公示异议，不能拨付"):
            pay(staff_a, decided_claim.award, "200000")
        assert not Disbursement.objects.exists()
    else:
        pay(staff_a, decided_claim.award, "200000")
        assert Application.objects.get(pk=decided_claim.pk).status == S.PAID


def test_an_objection_against_another_enterprise_does_not_block(
    staff_a, decided_claim, hte, incentive, county_a
):
    from kechuang.core.models import Role
    from tests.conftest import make_user
    from tests.factories import OrganisationFactory

    org_z = OrganisationFactory(region=county_a, name="开化县丁机械有限公司")
    record_award(staff_a, hte, org_z, dt.date(2025, 11, 20))
    other = submit_claim(
        staff_a, make_user("ent_z", role=Role.ENTERPRISE, organisation=org_z), incentive, org_z
    )
    services.application_transition(application=other, to=S.CHECKED, by=staff_a)
    services.claim_decide(by=staff_a, application=other)
    notice = payment_notice(staff_a, [decided_claim, Application.objects.get(pk=other.pk)])
    _objection(staff_a, notice, other)

    pay(staff_a, decided_claim.award, "200000")
    with pytest.raises(ValidationError, match="公示异议"):
        pay(staff_a, Application.objects.get(pk=other.pk).award, "200000")


def test_paid_on_in_the_future_is_refused(staff_a, decided_claim):
    payment_notice(staff_a, [decided_claim])
    with pytest.raises(ValidationError) as e:
        pay(staff_a, decided_claim.award, "200000", paid_on=AFTER_NOTICE + dt.timedelta(days=1))
    assert e.value.message_dict["paid_on"] == ["拨付日期不能晚于今天。"]


def test_another_county_cannot_pay(staff_a, staff_b, decided_claim):
    payment_notice(staff_a, [decided_claim])
    with pytest.raises(PermissionDenied):
        pay(staff_b, decided_claim.award, "200000")
    assert AuditEvent.objects.filter(result="denied", detail="create disbursement").count() == 1


# --- projects, teams and matching funds ------------------------------------------------------------------------


@pytest.fixture
def team(staff_a, county_a, org_x):
    """A provincial leading innovation team, 300,000 元 from the province and 300,000 元 matched by the
    county (配套资金), paid in tranches after checks."""
    programme = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省领军型创新团队", "level": "provincial", "kind": "team",
              "award_form": "project", "category": "领军型创新团队", "issuer": "中共浙江省委人才工作领导小组"},
    )  # fmt: skip
    application = new_application(staff_a, programme, org_x, S.RECOMMENDED, title="有机硅新材料创新团队")
    services.application_approve(
        by=staff_a,
        application=application,
        data={**approve_data(application), "matching_amount": Decimal("300000")},
    )
    return Application.objects.get(pk=application.pk)


def test_the_upper_level_grant_needs_no_county_notice(staff_a, team):
    pay(staff_a, team.award, "300000", source="provincial", today=dt.date(2026, 7, 15))
    with pytest.raises(ValidationError, match="将超过核定金额 300000.00 元"):
        pay(staff_a, team.award, "1", source="provincial", today=dt.date(2026, 7, 15))


def test_matching_funds_come_from_the_county(staff_a, team):
    payment_notice(staff_a, [team])
    with pytest.raises(ValidationError) as e:
        pay(staff_a, team.award, "150000", is_matching=True, source="provincial")
    assert e.value.message_dict["source"] == ["县配套资金的来源应为县级财政。"]


def test_matching_funds_in_tranches_up_to_the_matching_amount(staff_a, team):
    paid_on = dt.date(2026, 7, 15)  # approved 30 June; the notice runs 6–10 July
    with pytest.raises(ValidationError, match="须先发布资金兑现公示"):
        pay(staff_a, team.award, "150000", is_matching=True, tranche=1, today=paid_on)
    # the team passed its mid-term check; the county publishes the payment
    payment_notice(staff_a, [team], published_on=dt.date(2026, 7, 6))

    pay(staff_a, team.award, "150000", is_matching=True, tranche=1, today=paid_on)
    pay(staff_a, team.award, "150000", is_matching=True, tranche=2, today=paid_on)
    with pytest.raises(ValidationError) as e:
        pay(staff_a, team.award, "1", is_matching=True, tranche=3, today=paid_on)
    # 150,000 + 150,000 + 1 > 300,000
    assert e.value.message_dict["amount"] == [
        "累计拨付 300001.00 元将超过配套资金 300000.00 元（已拨付 300000.00 元）。"
    ]
    # the grant is counted apart from the matching funds
    pay(staff_a, team.award, "300000", source="provincial", today=paid_on)
    assert Application.objects.get(pk=team.pk).status == S.APPROVED  # a project is not "paid" like a claim


def test_a_claim_has_no_matching_funds(staff_a, decided_claim):
    payment_notice(staff_a, [decided_claim])
    with pytest.raises(ValidationError) as e:
        pay(staff_a, decided_claim.award, "100000", is_matching=True)
    assert e.value.message_dict["is_matching"] == ["政策奖励没有配套资金。"]


def test_no_money_for_a_terminated_project(staff_a, key_rd, org_x):
    project = new_application(staff_a, key_rd, org_x, S.CLOSED)  # approved, started, then terminated
    with pytest.raises(ValidationError, match="只有已立项/认定的项目可以拨付资金"):
        pay(staff_a, project.award, "100000", source="provincial")
    # one not approved by the upper level has no award to pay against at all
    refused = new_application(staff_a, key_rd, org_x, S.NOT_APPROVED)
    assert not hasattr(refused, "award")
