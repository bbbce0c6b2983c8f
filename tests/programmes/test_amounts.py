"""Policy to money: a claim's proposed amount from the policy's rules × the enterprise's recorded awards,
the decided amount, and overrides with a reason (audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Application, Award, Status
from tests.factories import OrganisationFactory

from .fixtures import TODAY, make_call
from .test_workflow import approve_data, new_application

S = Status


def record_award(staff, programme, organisation, decided_on: dt.date, title: str = "") -> Award:
    """An achievement as the bureau records it: applied, recommended, approved on `decided_on`."""
    call = programme.calls.filter(year=decided_on.year).first() or make_call(
        staff, programme, year=decided_on.year
    )
    extra = {"title": title} if title else {}
    application = new_application(staff, programme, organisation, S.RECOMMENDED, call=call, **extra)
    return services.application_approve(
        by=staff, application=application, data={**approve_data(application), "decided_on": decided_on}
    )


@pytest.fixture
def new_product(staff_a, county_a):
    """省级新产品试制计划: an enterprise may have several a year."""
    return services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省级工业新产品试制计划", "level": "provincial", "kind": "project",
              "award_form": "project", "category": "省新产品试制计划", "issuer": "浙江省经济和信息化厅"},
    )  # fmt: skip


def product_rule(staff, policy, new_product, cap):
    return services.rule_save(
        by=staff, policy=policy,
        data={"item": "列入省级工业新产品试制计划", "article": "第五条", "achievement": new_product,
              "achievement_year": 2025, "amount": Decimal("200000"), "cap": cap},
    )  # fmt: skip


@pytest.fixture
def achievements(staff_a, hte, sme, new_product, org_x, county_a):
    """What the bureau recorded. For org_x's claim on 2025 achievements only these count:
    the 2025 high-tech certificate and the three 2025 new products."""
    org_z = OrganisationFactory(region=county_a, name="开化县丁机械有限公司")
    return {
        "hte_2025": record_award(staff_a, hte, org_x, dt.date(2025, 12, 8)),
        "hte_2022": record_award(staff_a, hte, org_x, dt.date(2022, 11, 1)),  # another year: not counted
        "sme_2025": record_award(staff_a, sme, org_x, dt.date(2025, 5, 20)),  # no rule rewards it
        "np_1": record_award(staff_a, new_product, org_x, dt.date(2025, 3, 1), "智能茶叶杀青机"),
        "np_2": record_award(staff_a, new_product, org_x, dt.date(2025, 6, 1), "有机硅密封胶"),
        "np_3": record_award(staff_a, new_product, org_x, dt.date(2025, 9, 1), "竹纤维复合板"),
        "np_2026": record_award(staff_a, new_product, org_x, dt.date(2026, 1, 5), "低碳水泥"),  # next year's
        "z_hte_2025": record_award(staff_a, hte, org_z, dt.date(2025, 12, 8)),  # another enterprise's
    }


def submit_claim(staff, enterprise, incentive, organisation) -> Application:
    call = incentive.calls.filter(year=2026).first() or make_call(staff, incentive)
    claim = services.application_create(by=enterprise, data={"call": call, "organisation": organisation})
    services.application_transition(application=claim, to=S.SUBMITTED, by=enterprise, today=TODAY)
    claim.refresh_from_db()
    return claim


def items_of(claim: Application) -> set[tuple[str, int, Decimal]]:
    return {(i.rule.item, i.achievement_id, i.amount) for i in claim.claim_items.select_related("rule")}


@pytest.mark.parametrize(
    ("cap", "product_amounts"),
    [
        (Decimal("500000"), ["200000", "200000", "100000"]),  # 200,000 + 200,000 + the 100,000 left
        (None, ["200000", "200000", "200000"]),  # no cap: 3 × 200,000
        (Decimal("400000"), ["200000", "200000"]),  # the cap is used up by two; the third earns nothing
        (Decimal("250000"), ["200000", "50000"]),
    ],
    ids=["cap-500k", "no-cap", "cap-400k", "cap-250k"],
)
def test_proposed_amount_is_rules_times_recorded_awards(
    cap, product_amounts, staff_a, enterprise_x, org_x, policy_a, incentive, new_product, achievements
):
    product_rule(staff_a, policy_a, new_product, cap)
    claim = submit_claim(staff_a, enterprise_x, incentive, org_x)

    products = [achievements[k].pk for k in ("np_1", "np_2", "np_3")]  # in order of decision date
    expected = {("首次认定高新技术企业", achievements["hte_2025"].pk, Decimal("200000"))} | {
        ("列入省级工业新产品试制计划", pk, Decimal(amount)) for pk, amount in zip(products, product_amounts)
    }
    assert items_of(claim) == expected
    # hte 200,000 + the products; e.g. with the 500,000 cap: 200,000 + 500,000 = 700,000
    assert claim.proposed_amount == Decimal("200000") + sum(Decimal(a) for a in product_amounts)


def test_nothing_recorded_proposes_zero(staff_a, enterprise_x, org_x, incentive, achievements):
    org_w = OrganisationFactory(region=org_x.region, name="开化县戊食品有限公司")
    from kechuang.core.models import Role
    from tests.conftest import make_user

    claim = submit_claim(
        staff_a, make_user("enterprise_w", role=Role.ENTERPRISE, organisation=org_w), incentive, org_w
    )
    assert claim.proposed_amount == Decimal("0")
    assert not claim.claim_items.exists()


def test_resubmitting_recomputes_without_duplicating(
    staff_a, enterprise_x, org_x, hte, incentive, achievements, new_product, policy_a
):
    claim = submit_claim(staff_a, enterprise_x, incentive, org_x)
    assert claim.proposed_amount == Decimal("200000")  # only the high-tech rule exists yet
    services.application_transition(application=claim, to=S.RETURNED, by=staff_a, comment="请补充新产品证明")
    product_rule(staff_a, policy_a, new_product, Decimal("500000"))  # the bureau adds the forgotten rule

    services.application_transition(application=claim, to=S.SUBMITTED, by=enterprise_x, today=TODAY)
    claim.refresh_from_db()
    assert claim.proposed_amount == Decimal("700000")  # 200,000 + 200,000 + 200,000 + 100,000
    assert claim.claim_items.count() == 4


def test_an_achievement_is_claimed_once(staff_a, enterprise_x, org_x, incentive, achievements):
    """A second claim under the same policy (a second batch, or a duplicate) does not propose the
    achievement the first claim already claimed; a rejected claim releases it."""
    first = submit_claim(staff_a, enterprise_x, incentive, org_x)
    assert first.proposed_amount == Decimal("200000")

    second = submit_claim(staff_a, enterprise_x, incentive, org_x)
    assert second.proposed_amount == Decimal("0")
    assert not second.claim_items.exists()

    services.application_transition(application=first, to=S.CHECKED, by=staff_a)
    services.application_transition(application=first, to=S.REJECTED, by=staff_a, comment="重复申报")
    services.application_transition(application=second, to=S.RETURNED, by=staff_a, comment="请重新提交")
    services.application_transition(application=second, to=S.SUBMITTED, by=enterprise_x, today=TODAY)
    second.refresh_from_db()
    assert second.proposed_amount == Decimal("200000")


# --- deciding the amount ---------------------------------------------------------------------------------------


@pytest.fixture
def checked_claim(clock, staff_a, enterprise_x, org_x, policy_a, incentive, new_product, achievements):
    clock.set(dt.date(2026, 5, 8))  # checked (and decided) on 8 May 2026 by the services' clock
    product_rule(staff_a, policy_a, new_product, Decimal("500000"))
    claim = submit_claim(staff_a, enterprise_x, incentive, org_x)
    services.application_transition(application=claim, to=S.CHECKED, by=staff_a)
    return Application.objects.get(pk=claim.pk)  # proposed 700,000 (see above)


def test_decide_takes_the_proposed_amount(staff_a, checked_claim):
    award = services.claim_decide(by=staff_a, application=checked_claim, decided_on=dt.date(2026, 5, 8))

    checked_claim.refresh_from_db()
    assert checked_claim.status == S.DECIDED
    assert checked_claim.decided_amount == award.amount == Decimal("700000")
    assert checked_claim.override_reason == ""
    assert award.decided_on == dt.date(2026, 5, 8)
    assert not AuditEvent.objects.filter(action="amount_override").exists()


def test_the_same_amount_written_differently_is_not_an_override(staff_a, checked_claim):
    services.claim_decide(by=staff_a, application=checked_claim, amount="700000.0")
    assert not AuditEvent.objects.filter(action="amount_override").exists()


def test_override_with_a_reason_is_audited(staff_a, checked_claim):
    reason = "其中一项新产品已获市级奖励，按规定不重复奖励，核减5万元"
    award = services.claim_decide(
        by=staff_a, application=checked_claim, amount=Decimal("650000"), reason=reason
    )

    checked_claim.refresh_from_db()
    assert checked_claim.decided_amount == award.amount == Decimal("650000")
    assert checked_claim.override_reason == reason
    event = AuditEvent.objects.get(action="amount_override", object_id=str(checked_claim.pk))
    assert event.user == staff_a and event.detail == reason
    assert Decimal(event.before["proposed_amount"]) == Decimal("700000")
    assert Decimal(event.after["decided_amount"]) == Decimal("650000")
    assert checked_claim.transitions.last().comment == reason  # the timeline shows why


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_a_reason_is_refused(staff_a, checked_claim, reason):
    with pytest.raises(ValidationError) as e:
        services.claim_decide(by=staff_a, application=checked_claim, amount=Decimal("650000"), reason=reason)
    assert e.value.message_dict["reason"] == ["核定金额与按政策测算的 700000.00 元不同，须填写调整理由。"]
    checked_claim.refresh_from_db()
    assert checked_claim.status == S.CHECKED and checked_claim.decided_amount is None
    assert not Award.objects.filter(application=checked_claim).exists()


def test_a_negative_amount_is_refused(staff_a, checked_claim):
    with pytest.raises(ValidationError) as e:
        services.claim_decide(by=staff_a, application=checked_claim, amount=Decimal("-1"), reason="误录")
    assert e.value.message_dict["amount"] == ["核定金额不能为负数。"]
    assert Application.objects.get(pk=checked_claim.pk).status == S.CHECKED


def test_zero_with_a_reason_is_allowed(staff_a, checked_claim):
    award = services.claim_decide(
        by=staff_a, application=checked_claim, amount=Decimal("0"), reason="企业有失信记录"
    )
    assert award.amount == Decimal("0")
    assert AuditEvent.objects.filter(action="amount_override", object_id=str(checked_claim.pk)).exists()


def test_only_a_checked_claim_can_be_decided(staff_a, enterprise_x, org_x, incentive, achievements):
    claim = submit_claim(staff_a, enterprise_x, incentive, org_x)  # submitted, not yet checked
    with pytest.raises(ValidationError, match="当前状态“已提交”不能变更为“已核定金额”"):
        services.claim_decide(by=staff_a, application=claim)
    assert not Award.objects.filter(application=claim).exists()
