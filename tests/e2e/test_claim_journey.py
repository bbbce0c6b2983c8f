"""Policy to money in a real browser: an enterprise that became a high-tech enterprise last year claims
the county's award; staff check it, decide the amount the policy gives, publish the payment 公示, pay
after it ends; the enterprise sees the money."""

import datetime as dt

import pytest
from django.utils import timezone

from kechuang.programmes import services
from kechuang.programmes.models import Application, Disbursement, PublicNotice, Status
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_claim_call(staff_a, org_x, policy_a, hte, incentive):
    """org_x's 2025 high-tech certificate is on record; this year's claim call is open today."""
    today = timezone.localdate()
    last_year = services.call_save(
        by=staff_a,
        data={"programme": hte, "year": 2025, "name": "2025年第一批", "opens_on": dt.date(2025, 3, 1),
              "closes_on": dt.date(2025, 6, 30), "county_deadline": None},
    )  # fmt: skip
    hte_app = services.application_create(by=staff_a, data={"call": last_year, "organisation": org_x})
    for step in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=hte_app, to=step, by=staff_a)
    services.application_approve(
        by=staff_a,
        application=hte_app,
        data={"decided_on": dt.date(2025, 12, 8), "certificate_no": "GR202533001234"},
    )
    # The incentive fixture's rule rewards 2025 achievements: claimed in a call of 2026.
    return services.call_save(
        by=staff_a,
        data={"programme": incentive, "year": 2026, "name": "2026年度兑现", "opens_on": today - dt.timedelta(days=10),
              "closes_on": today + dt.timedelta(days=30), "county_deadline": today + dt.timedelta(days=20)},
    )  # fmt: skip


def test_enterprise_claims_staff_check_decide_publish_and_pay_enterprise_sees_the_money(
    browser, live_server, shot, staff_a, enterprise_x, org_x, open_claim_call
):
    def new_page():
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
        )
        return context.new_page()

    # The enterprise finds the open call on its home page and submits a claim.
    firm = new_page()
    log_in(firm, "enterprise_x", PASSWORD)
    firm.click(f"a[href='/programmes/applications/new/?call={open_claim_call.pk}']")
    firm.click("button[name=submit]")
    firm.wait_for_selector("text=已提交")
    claim = Application.objects.get(organisation=org_x, call=open_claim_call)
    assert claim.status == Status.SUBMITTED and claim.proposed_amount == 200000
    shot(firm, "claim-submitted-by-enterprise")

    # Staff: the claim waits in the queue; check it, then decide the amount the policy gives.
    staff = new_page()
    log_in(staff, "staff_a", PASSWORD)
    staff.goto("/programmes/applications/queue/")
    staff.click(f"a[href='/programmes/applications/{claim.pk}/']")
    staff.click("button:has-text('审核通过')")
    staff.wait_for_selector("h1 .status-checked")
    staff.click("text=核定金额")
    assert "20万元" in staff.content()  # proposed from the rule: one new high-tech enterprise
    shot(staff, "claim-decide")
    staff.click("button:has-text('确认核定')")
    staff.wait_for_selector("h1 .status-decided")

    # Payment waits for a 公示 published today (a start date in the past is refused, the page says so).
    staff.goto("/programmes/notices/new/?purpose=payment")
    staff.fill("input[name=title]", "2026年度科技创新政策奖励兑现公示")
    staff.fill("input[name=published_on]", (timezone.localdate() - dt.timedelta(days=21)).isoformat())
    staff.check(f"input[name=applications][value='{claim.pk}']")
    staff.click("button:has-text('发布公示')")
    staff.wait_for_selector("text=公示开始日期不能早于发布当天")
    staff.fill("input[name=published_on]", timezone.localdate().isoformat())
    staff.check(f"input[name=applications][value='{claim.pk}']")
    staff.click("button:has-text('发布公示')")
    staff.wait_for_url(lambda url: "/programmes/notices/new/" not in url)
    assert "开化县" in staff.content() and org_x.name in staff.content()
    shot(staff, "claim-notice")

    # A minute later the award page says when it may be paid, and offers no payment form.
    claim.refresh_from_db()
    staff.goto(f"/programmes/awards/{claim.award.pk}/")
    assert "期满后方可拨付" in staff.content() and "记录拨付" not in staff.content()
    shot(staff, "claim-waits-for-the-notice")

    # Three weeks pass (the notice's period is moved back, as if published then): pay on the award page,
    # the form filled in with the decided amount.
    notice = PublicNotice.objects.get()
    weeks_ago = timezone.now() - dt.timedelta(days=21)
    PublicNotice.objects.filter(pk=notice.pk).update(
        published_at=weeks_ago,
        published_on=timezone.localdate(weeks_ago),
        ends_on=notice.period_end(timezone.localdate(weeks_ago)),
    )
    staff.goto(f"/programmes/awards/{claim.award.pk}/")
    staff.fill("input[name=voucher_no]", "记-2026-11-031")
    staff.click("button:has-text('记录拨付')")
    staff.wait_for_selector("text=已兑现")
    shot(staff, "claim-paid-award")
    claim.refresh_from_db()
    assert claim.status == Status.PAID
    assert Disbursement.objects.get(award__application=claim).amount == 200000

    # The enterprise sees the payment: status, timeline and the money received.
    firm.goto(f"/programmes/applications/{claim.pk}/")
    body = firm.content()
    assert "已兑现" in body and "20万元" in body
    firm.goto("/")
    assert "20万元" in firm.locator(".stats").first.inner_text()
    shot(firm, "claim-enterprise-home")
