"""Corrections before the money moves, in a real browser at 1280 px and 390 px: staff withdraw a 公示
still in its period (with a reason), re-decide a claim's amount (refused above the rule's cap), and an
enterprise withdraws its own application before a decision. Screenshots in test-artifacts/."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kechuang.programmes import services
from kechuang.programmes.models import Application, PublicNotice, Status
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.programmes.fixtures import at, make_call

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"wide": 1280, "phone": 390}


@pytest.fixture
def decided(staff_a, org_x, hte, incentive):
    """org_x's 2026 claim, decided a month ago at 20万元 under a rule capped at 80万元 per enterprise."""
    rule = incentive.policy.rules.get()
    services.rule_save(by=staff_a, policy=incentive.policy, rule=rule, data={"cap": Decimal("800000")})
    hte_call = make_call(staff_a, hte, year=2025)
    hte_app = services.application_create(by=staff_a, data={"call": hte_call, "organisation": org_x})
    for step in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=hte_app, to=step, by=staff_a)
    services.application_approve(
        by=staff_a,
        application=hte_app,
        data={"decided_on": dt.date(2025, 12, 8), "certificate_no": "GR2025001"},
    )
    with at(timezone.localdate() - dt.timedelta(days=30)):
        claim = services.application_create(
            by=staff_a, data={"call": make_call(staff_a, incentive), "organisation": org_x}
        )
        for step in (Status.SUBMITTED, Status.CHECKED):
            services.application_transition(application=claim, to=step, by=staff_a)
        services.claim_decide(by=staff_a, application=claim)
    return Application.objects.get(pk=claim.pk)


def _page(browser, live_server, width):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": 900}
    )
    return context.new_page()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_staff_withdraw_a_notice_and_correct_an_amount(browser, live_server, shot, staff_a, decided, size):
    notice = services.notice_publish(
        by=staff_a,
        data={"county": decided.county, "title": "2026年度科技创新政策奖励兑现公示", "purpose": "payment",
              "published_on": timezone.localdate(), "working_days": 5, "contact": "0570-6012345"},
        applications=[decided],
    )  # fmt: skip
    page = _page(browser, live_server, WIDTHS[size])
    log_in(page, "staff_a", PASSWORD)

    # While the notice runs, the amount cannot be corrected: withdraw the notice first.
    page.goto(f"/programmes/awards/{decided.award.pk}/amend/")
    page.fill("textarea[name=reason]", "异议核实：其中一项为重复申报")
    page.fill("input[name=amount]", "15")
    page.click("button:has-text('保存调整')")
    page.wait_for_selector("text=请先撤回公示再调整金额")
    shot(page, f"correction-amend-during-notice-{size}")

    page.goto(f"/programmes/notices/{notice.pk}/")
    page.click("summary:has-text('撤回公示')")
    shot(page, f"correction-notice-withdraw-form-{size}")
    page.fill("textarea[name=reason]", "名单中一家企业的金额需更正，更正后重新公示")
    page.click("button:has-text('确认撤回')")
    page.wait_for_selector("text=该公示已于")
    assert PublicNotice.objects.get(pk=notice.pk).is_withdrawn
    shot(page, f"correction-notice-withdrawn-{size}")

    # Above the rule's cap is refused, with the cap named; within it, saved with the reason.
    page.goto(f"/programmes/awards/{decided.award.pk}/amend/")
    page.fill("input[name=amount]", "90")
    page.fill("textarea[name=reason]", "另有成果")
    page.click("button:has-text('保存调整')")
    page.wait_for_selector("text=超过政策上限 800000.00 元")
    shot(page, f"correction-amend-above-cap-{size}")
    page.fill("input[name=amount]", "15")
    page.fill("textarea[name=reason]", "异议核实：其中5万元为重复申报")
    page.click("button:has-text('保存调整')")
    page.wait_for_selector("text=须重新发布资金兑现公示")
    shot(page, f"correction-award-after-amend-{size}")
    assert Application.objects.get(pk=decided.pk).decided_amount == Decimal("150000")


@pytest.mark.parametrize("size", list(WIDTHS))
def test_an_enterprise_withdraws_its_application(
    browser, live_server, shot, staff_a, enterprise_x, org_x, hte, size
):
    today = timezone.localdate()
    call = services.call_save(
        by=staff_a,
        data={"programme": hte, "year": today.year, "name": "本年度第一批", "opens_on": today - dt.timedelta(days=5),
              "closes_on": today + dt.timedelta(days=30), "county_deadline": None},
    )  # fmt: skip
    application = services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    services.application_transition(application=application, to=Status.SUBMITTED, by=enterprise_x)
    page = _page(browser, live_server, WIDTHS[size])
    log_in(page, "enterprise_x", PASSWORD)
    page.goto(f"/programmes/applications/{application.pk}/")
    page.click("summary:has-text('撤回申报')")
    page.fill("textarea[name=comment]", "企业决定明年再申报")
    shot(page, f"correction-application-withdraw-{size}")
    page.click("button:has-text('确认撤回申报')")
    page.wait_for_selector("h1 .status-withdrawn")
    shot(page, f"correction-application-withdrawn-{size}")
    assert Application.objects.get(pk=application.pk).status == Status.WITHDRAWN
