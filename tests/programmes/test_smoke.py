import datetime as dt
from decimal import Decimal

from kechuang.programmes import services
from kechuang.programmes.models import Status

from .fixtures import TODAY, make_call


def test_claim_from_policy_to_payment(clock, staff_a, enterprise_x, org_x, hte, incentive):
    clock.set(TODAY)
    # org_x became a high-tech enterprise in 2025
    hte_call = make_call(staff_a, hte, year=2025)
    app = services.application_create(by=staff_a, data={"call": hte_call, "organisation": org_x})
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff_a)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff_a)
    award = services.application_approve(
        by=staff_a,
        application=app,
        data={"decided_on": dt.date(2025, 12, 8), "certificate_no": "GR202533001234"},
    )
    assert award.valid_until == dt.date(2028, 12, 7)

    call = make_call(staff_a, incentive)
    claim = services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    services.application_transition(application=claim, to=Status.SUBMITTED, by=enterprise_x, today=TODAY)
    claim.refresh_from_db()
    assert claim.proposed_amount == Decimal("200000")
    services.application_transition(application=claim, to=Status.CHECKED, by=staff_a)
    money = services.claim_decide(by=staff_a, application=claim)
    clock.set(dt.date(2026, 5, 6))
    notice = services.notice_publish(
        by=staff_a,
        data={"county": claim.county, "title": "2026年政策奖励兑现公示", "purpose": "payment",
              "published_on": dt.date(2026, 5, 6), "working_days": 5},
        applications=[claim],
    )  # fmt: skip
    assert notice.ends_on == dt.date(2026, 5, 11)  # 6,7,8, 9 (a make-up Saturday), 11
    clock.set(dt.date(2026, 5, 20))
    services.disbursement_create(
        by=staff_a, award=money,
        data={"amount": Decimal("200000"), "source": "county", "fiscal_year": 2026, "paid_on": dt.date(2026, 5, 20),
              "voucher_no": "记-2026-05-031"},
    )  # fmt: skip
    claim.refresh_from_db()
    assert claim.status == Status.PAID
