"""One rule, every path (issue 10, items 2 and 4): each rule a date, a form field or a second path could
get round is tried through the page and through the API or an import, and holds in the service —
back-dated notices, payments before the period or twice, amounts above the cap, corrections before the
money moves (调整核定金额, 公示撤回, 已撤回 applications), expired or re-used vouchers, milestones."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import (
    Application,
    Disbursement,
    Milestone,
    PublicNotice,
    Redemption,
    Status,
    Voucher,
)
from kechuang.reports.figures import Period
from tests.conftest import client_for

from .fixtures import TODAY, at
from .test_api import bearer_client
from .test_imports import rejected, run
from .test_notices import PAY_DAY, _story_clock, decided_claim, pay, post_notice, publish  # noqa: F401

S = Status
JSON = "application/json"
API = "/api/programmes"


def text(response):
    """A JSON answer as text, with its Chinese readable."""
    return json.dumps(response.json(), ensure_ascii=False)


def api_post(client, url, body):
    return client.post(url, json.dumps(body), content_type=JSON)


def pay_data(**extra):
    return {"amount": "20", "source": "county", "fiscal_year": "2026", "paid_on": PAY_DAY.isoformat(),
            "voucher_no": "记-2026-05-031", "tranche": "1", "note": "", **extra}  # fmt: skip


@pytest.fixture
def hte_call(staff_a, hte):
    from .fixtures import make_call

    return make_call(staff_a, hte, year=2025)


@pytest.fixture
def claim_call(staff_a, incentive):
    from .fixtures import make_call

    return make_call(staff_a, incentive)


@pytest.fixture
def claim_x(staff_a, org_x, hte_call, claim_call):
    return decided_claim(staff_a, org_x, hte_call, claim_call)


# --- a 公示 starts when it is published ------------------------------------------------------------------


def test_a_back_dated_notice_is_refused_on_the_page_and_the_api(staff_a, claim_x):
    last_week = PAY_DAY - dt.timedelta(days=7)
    with at(PAY_DAY):
        data = {"county": "330824", "purpose": "payment", "title": "兑现公示", "published_on": last_week.isoformat(),
                "working_days": "5", "applications": [claim_x.pk]}  # fmt: skip
        page = client_for(staff_a).post(reverse("programmes:notice_create"), data)
        api = api_post(bearer_client(staff_a), f"{API}/notices", {
            "county": "330824", "title": "兑现公示", "purpose": "payment", "published_on": last_week.isoformat(),
            "applications": [claim_x.pk]})  # fmt: skip
    assert page.status_code == 200
    assert "公示开始日期不能早于发布当天（2026年5月20日）" in page.content.decode()
    assert "早于今天的将被拒绝，不会自动改期" in page.content.decode()  # the page says so beforehand
    assert api.status_code == 422
    assert "公示开始日期不能早于发布当天" in text(api)
    assert not PublicNotice.objects.exists()


def test_payment_a_minute_after_publishing_is_refused_on_the_page_and_the_api(staff_a, claim_x):
    with at(PAY_DAY, hour=9):
        notice = publish(staff_a, [claim_x], published_on=PAY_DAY)
    assert notice.published_at is not None
    with at(PAY_DAY, hour=10):
        page = client_for(staff_a).post(reverse("programmes:disbursement_create", args=[claim_x.award.pk]),
                                        pay_data())  # fmt: skip
        api = api_post(bearer_client(staff_a), f"{API}/disbursements", {
            "award": claim_x.award.pk, "amount": "200000", "source": "county", "fiscal_year": 2026,
            "paid_on": PAY_DAY.isoformat(), "voucher_no": "记-1"})  # fmt: skip
    assert page.status_code == 200 and "期满后方可拨付" in page.content.decode()
    assert api.status_code == 422 and "期满后方可拨付" in text(api)
    assert not Disbursement.objects.exists()


def test_a_start_date_typed_in_the_past_never_shortens_the_period(staff_a, claim_x):
    """A notice stored before this rule with a start date earlier than its publication (the old bypass)
    runs its working days from when it was really published."""
    notice = publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    PublicNotice.objects.filter(pk=notice.pk).update(published_on=dt.date(2026, 4, 1))
    notice.refresh_from_db()
    assert notice.payable_after() == dt.date(2026, 5, 11)
    with pytest.raises(ValidationError, match="公示期至 2026年5月11日"):
        pay(staff_a, claim_x, today=dt.date(2026, 5, 11))
    pay(staff_a, claim_x, today=dt.date(2026, 5, 12))


def test_a_later_today_cannot_be_passed_to_the_service(staff_a, claim_x):
    publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    with at(dt.date(2026, 5, 8)), pytest.raises(ValidationError, match="期满后方可拨付"):
        services.disbursement_create(
            by=staff_a, award=claim_x.award, today=dt.date(2026, 6, 1),
            data={"amount": Decimal("200000"), "source": "county", "fiscal_year": 2026,
                  "paid_on": dt.date(2026, 5, 8), "voucher_no": "记-1"},
        )  # fmt: skip


def test_paid_on_before_the_period_ended_is_refused(staff_a, claim_x):
    publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    with pytest.raises(ValidationError) as e, at(PAY_DAY):
        services.disbursement_create(
            by=staff_a, award=claim_x.award,
            data={"amount": Decimal("200000"), "source": "county", "fiscal_year": 2026,
                  "paid_on": dt.date(2026, 5, 8), "voucher_no": "记-1"},
        )  # fmt: skip
    assert e.value.message_dict["paid_on"] == ["拨付日期不能早于公示期满后的 2026年5月12日。"]


# --- paying twice ---------------------------------------------------------------------------------------------


def test_a_second_click_does_not_pay_twice_on_the_page_or_the_api(staff_a, claim_x):
    publish(staff_a, [claim_x])
    url = reverse("programmes:disbursement_create", args=[claim_x.award.pk])
    client = client_for(staff_a)
    with at(PAY_DAY):
        assert client.post(url, pay_data(amount="10")).status_code == 302
        again = client.post(url, pay_data(amount="10"))
        api = api_post(bearer_client(staff_a), f"{API}/disbursements", {
            "award": claim_x.award.pk, "amount": "100000", "source": "county", "fiscal_year": 2026,
            "paid_on": PAY_DAY.isoformat(), "voucher_no": "记-2026-05-031"})  # fmt: skip
    assert again.status_code == 200 and "凭证号 记-2026-05-031 的拨付已登记" in again.content.decode()
    assert api.status_code == 422
    assert Disbursement.objects.count() == 1


# --- amounts never above the cap ------------------------------------------------------------------------------


@pytest.fixture
def capped(staff_a, incentive):
    """The rule pays 200,000 元 per new high-tech enterprise, at most 800,000 元 per enterprise."""
    rule = incentive.policy.rules.get()
    services.rule_save(by=staff_a, policy=incentive.policy, rule=rule, data={"cap": Decimal("800000")})
    return rule


@pytest.fixture
def checked(staff_a, org_x, hte_call, claim_call, capped):
    from .test_notices import checked_claim

    return checked_claim(staff_a, org_x, hte_call, claim_call)


def test_an_amount_above_the_cap_is_refused_on_the_page_and_the_api(staff_a, checked):
    url = reverse("programmes:application_decide", args=[checked.pk])
    page = client_for(staff_a).post(url, {"amount": "900000", "reason": "另有成果", "decided_on": TODAY.isoformat(),
                                          "from": "checked"})  # fmt: skip
    assert page.status_code == 200
    assert "核定金额 900000.00 元超过政策上限 800000.00 元（首次认定高新技术企业每家上限 800000.00 元）" in (
        page.content.decode()
    )
    api = api_post(bearer_client(staff_a), f"{API}/applications/{checked.pk}/decide",
                   {"amount": "900000", "reason": "另有成果"})  # fmt: skip
    assert api.status_code == 422 and "超过政策上限" in text(api)
    assert Application.objects.get(pk=checked.pk).status == S.CHECKED
    # up to the cap, with a reason, it is decided
    api = api_post(bearer_client(staff_a), f"{API}/applications/{checked.pk}/decide",
                   {"amount": "800000", "reason": "另有两项认定未登记，已核实"})  # fmt: skip
    assert api.status_code == 200 and api.json()["status"] == "decided"


def test_the_awards_import_cannot_change_a_claims_amount(staff_a, checked, org_x):
    services.claim_decide(by=staff_a, application=checked)
    header = ["统一社会信用代码", "项目类别", "批次", "项目名称", "批准日期", "补助/奖励金额（元）"]
    row = [org_x.credit_code, checked.programme.name, checked.call.name, "", TODAY.isoformat(), 900000]
    error = rejected("awards", header, [row], staff_a)
    assert "调整核定金额" in error.errors[0].reason
    assert Application.objects.get(pk=checked.pk).award.amount == Decimal("200000")


# --- 调整核定金额 -----------------------------------------------------------------------------------------------


def test_amending_from_the_award_page_is_audited_and_needs_a_new_notice(staff_a, claim_x):
    award = claim_x.award
    client = client_for(staff_a)
    # the application page offers it, and its old "decide" link leads there
    detail = client.get(reverse("programmes:application_detail", args=[claim_x.pk])).content.decode()
    assert reverse("programmes:award_amend", args=[award.pk]) in detail
    decide = client.get(reverse("programmes:application_decide", args=[claim_x.pk]))
    assert decide.url == reverse("programmes:award_amend", args=[award.pk])

    url = reverse("programmes:award_amend", args=[award.pk])
    assert "不低于已拨付的金额" in client.get(url).content.decode()
    refused = client.post(url, {"amount": "15", "reason": ""})
    assert refused.status_code == 422
    assert Application.objects.get(pk=claim_x.pk).decided_amount == Decimal("200000")
    above = client.post(url, {"amount": "30", "reason": "多给一点"})  # the rule has no cap here
    assert above.status_code == 302
    response = client.post(url, {"amount": "15", "reason": "异议核实：其中5万元为重复申报"})
    assert response.status_code == 302
    claim_x.refresh_from_db()
    assert (claim_x.award.amount, claim_x.decided_amount) == (Decimal("150000"), Decimal("150000"))
    event = AuditEvent.objects.filter(action="amount_amend").order_by("pk").last()
    assert event.before == {"amount": "300000.00"} and event.after == {"amount": "150000.00"}
    assert event.detail == "异议核实：其中5万元为重复申报" and event.user == staff_a


def test_a_notice_before_the_correction_does_not_clear_the_new_amount(staff_a, claim_x):
    publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    with at(PAY_DAY):
        services.award_amend(by=staff_a, award=claim_x.award, amount=Decimal("150000"), reason="核减")
    claim_x.refresh_from_db()
    with pytest.raises(ValidationError, match="须重新发布资金兑现公示"):
        pay(staff_a, claim_x, today=PAY_DAY)
    publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 21))
    with pytest.raises(ValidationError, match="公示期至"):
        pay(staff_a, claim_x, today=dt.date(2026, 5, 22))
    with at(dt.date(2026, 6, 1)):
        services.disbursement_create(
            by=staff_a, award=claim_x.award,
            data={"amount": Decimal("150000"), "source": "county", "fiscal_year": 2026,
                  "paid_on": dt.date(2026, 6, 1), "voucher_no": "记-2"},
        )  # fmt: skip
    assert Application.objects.get(pk=claim_x.pk).status == S.PAID


def test_amending_during_the_period_needs_the_notice_withdrawn_first(staff_a, claim_x):
    publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    with at(dt.date(2026, 5, 8)), pytest.raises(ValidationError, match="请先撤回公示再调整金额"):
        services.award_amend(by=staff_a, award=claim_x.award, amount=Decimal("150000"), reason="核减")


def test_amending_partly_paid_not_below_paid_and_never_once_paid_in_full(staff_a, claim_x):
    publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    with at(PAY_DAY):
        services.disbursement_create(
            by=staff_a, award=claim_x.award,
            data={"amount": Decimal("120000"), "source": "county", "fiscal_year": 2026, "paid_on": PAY_DAY,
                  "voucher_no": "记-1"},
        )  # fmt: skip
    api = bearer_client(staff_a)
    url = f"{API}/awards/{claim_x.award.pk}/amend"
    with at(PAY_DAY):
        low = api_post(api, url, {"amount": "100000", "reason": "核减"})
        assert low.status_code == 422 and "不能低于已拨付的 120000.00 元" in text(low)
        # down to what was paid: the claim is then paid in full
        done = api_post(api, url, {"amount": "120000", "reason": "核减8万元"})
        assert done.status_code == 200 and done.json()["amount"] == "120000.00"
        assert Application.objects.get(pk=claim_x.pk).status == S.PAID
        again = api_post(api, url, {"amount": "120000.01", "reason": "再调"})
    assert again.status_code == 422 and "已全额兑现" in text(again)


def test_only_the_countys_staff_amend(staff_b, enterprise_x, claim_x):
    assert client_for(enterprise_x).get(
        reverse("programmes:award_amend", args=[claim_x.award.pk])
    ).status_code in (
        403,
        404,
    )
    response = api_post(bearer_client(staff_b), f"{API}/awards/{claim_x.award.pk}/amend",
                        {"amount": "1", "reason": "x"})  # fmt: skip
    assert response.status_code == 404


# --- 公示撤回 -----------------------------------------------------------------------------------------------------


def test_withdrawing_a_notice_from_its_page(staff_a, claim_x):
    notice = publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    client = client_for(staff_a)
    url = reverse("programmes:notice_withdraw", args=[notice.pk])
    with at(dt.date(2026, 5, 8)):
        assert (
            "撤回公示…" in client.get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
        )
        assert client.post(url, {"reason": ""}).status_code == 422
        assert client.post(url, {"reason": "名单中一家企业的金额有误，更正后重新公示"}).status_code == 302
        page = client.get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
        # the claim can be put on a new notice: it is a candidate again, not marked as noticed
        form = client.get(reverse("programmes:notice_create") + "?purpose=payment").content.decode()
    assert "已撤回" in page and "名单中一家企业的金额有误" in page
    assert f'value="{claim_x.pk}" id="app-{claim_x.pk}" checked' in form
    notice.refresh_from_db()
    assert notice.is_withdrawn and notice.withdrawn_by == staff_a
    event = AuditEvent.objects.get(action="withdraw", object_type="programmes.publicnotice")
    assert event.detail == "名单中一家企业的金额有误，更正后重新公示"
    assert Application.objects.get(pk=claim_x.pk).status == S.DECIDED  # back where it was
    with pytest.raises(ValidationError, match="公示已撤回"):
        pay(staff_a, claim_x, today=PAY_DAY)


def test_withdrawing_through_the_api_and_not_after_the_period(staff_a, staff_b, claim_x):
    notice = publish(staff_a, [claim_x], published_on=dt.date(2026, 5, 6))
    url = f"{API}/notices/{notice.pk}/withdraw"
    with at(dt.date(2026, 5, 12)):  # the period ended on 11 May
        late = api_post(bearer_client(staff_a), url, {"reason": "迟到的撤回"})
    assert late.status_code == 422 and "公示期已于 2026年5月11日 结束，不能撤回" in text(late)

    second = publish(staff_a, [claim_x], published_on=dt.date(2026, 6, 1))
    url = f"{API}/notices/{second.pk}/withdraw"
    with at(dt.date(2026, 6, 2)):
        assert api_post(bearer_client(staff_b), url, {"reason": "x"}).status_code == 404
        done = api_post(bearer_client(staff_a), url, {"reason": "重复发布"})
        assert (
            done.status_code == 200
            and done.json()["withdrawn_at"]
            and done.json()["withdrawal_reason"] == "重复发布"
        )
        assert api_post(bearer_client(staff_a), url, {"reason": "再撤"}).status_code == 409
    listed = bearer_client(staff_a).get(f"{API}/notices?withdrawn=true").json()
    assert [n["id"] for n in listed["items"]] == [second.pk]


# --- 已撤回 applications ---------------------------------------------------------------------------------------------


def test_the_applicant_withdraws_its_application_on_the_page_and_it_is_not_counted(
    staff_a, enterprise_x, org_x, hte
):
    from kechuang.reports.figures import compute

    from .fixtures import make_call

    call = make_call(staff_a, hte)
    application = services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    services.application_transition(application=application, to=S.SUBMITTED, by=enterprise_x, today=TODAY)
    before = compute("entities.applications", org_x.county, Period.year_of(2026))
    client = client_for(enterprise_x)
    detail = client.get(reverse("programmes:application_detail", args=[application.pk])).content.decode()
    assert "撤回申报" in detail
    url = reverse("programmes:application_transition", args=[application.pk])
    client.post(url, {"to": "withdrawn", "from": "submitted", "comment": ""})
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED  # a reason is needed
    client.post(url, {"to": "withdrawn", "from": "submitted", "comment": "企业决定明年再申报"})
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    # kept, visible with its status, not counted as an application of the year
    listing = client.get(reverse("programmes:application_list")).content.decode()
    assert "已撤回" in listing
    after = compute("entities.applications", org_x.county, Period.year_of(2026))
    assert before.value - after.value == 1
    assert AuditEvent.objects.filter(action="transition", after__status="withdrawn").count() == 1


def test_withdrawing_through_the_api_and_never_after_a_decision(staff_a, enterprise_x, claim_x, org_x, hte):
    from .fixtures import make_call

    api = bearer_client(enterprise_x)
    url = f"{API}/applications/{claim_x.pk}/transition"
    decided = api_post(api, url, {"to": "withdrawn", "comment": "不想要了"})
    assert decided.status_code == 422  # decided already: nothing to withdraw
    call = make_call(staff_a, hte)
    application = services.application_create(by=enterprise_x, data={"call": call, "organisation": org_x})
    services.application_transition(application=application, to=S.SUBMITTED, by=enterprise_x, today=TODAY)
    done = api_post(api, f"{API}/applications/{application.pk}/transition",
                    {"to": "withdrawn", "comment": "材料需补充，撤回"})  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert done.json()["moves"] == []  # nothing follows a withdrawal


# --- vouchers ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def provider(staff_a, county_a):
    from tests.factories import OrganisationFactory

    lab = OrganisationFactory(name="衢州市检验检测研究院", region=county_a)
    return services.provider_save(
        by=staff_a, data={"county": county_a, "organisation": lab, "services": "检验检测",
                          "registered_on": dt.date(2025, 1, 2)},
    )  # fmt: skip


def test_an_expired_voucher_is_not_redeemed_by_typing_an_earlier_date(staff_a, org_x, provider):
    with at(dt.date(2026, 3, 1)):
        voucher = services.voucher_issue(
            by=staff_a, data={"number": "KH-1", "organisation": org_x, "amount": Decimal("50000"),
                              "issued_on": dt.date(2026, 3, 1), "expires_on": dt.date(2026, 4, 30)},
        )  # fmt: skip
    data = {"provider": provider.pk, "contract_no": "HT-1", "contract_amount": "1", "amount": "1",
            "redeemed_on": "2026-04-29"}  # fmt: skip
    with at(dt.date(2026, 5, 6)):  # expired on 30 April, not yet marked by the daily run
        response = client_for(staff_a).post(reverse("programmes:voucher_redeem", args=[voucher.pk]), data)
    assert response.status_code == 200 and "已于 2026年4月30日 到期，不能兑付" in response.content.decode()
    assert not Redemption.objects.exists()


def test_a_redemption_is_not_recorded_twice(staff_a, org_x, provider):
    with at(dt.date(2026, 3, 1)):
        voucher = services.voucher_issue(
            by=staff_a, data={"number": "KH-2", "organisation": org_x, "amount": Decimal("50000"),
                              "issued_on": dt.date(2026, 3, 1), "expires_on": dt.date(2026, 12, 31)},
        )  # fmt: skip
    url = reverse("programmes:voucher_redeem", args=[voucher.pk])
    data = {"provider": provider.pk, "contract_no": "HT-2", "contract_amount": "3", "amount": "1",
            "redeemed_on": "2026-03-10"}  # fmt: skip
    client = client_for(staff_a)
    with at(dt.date(2026, 3, 10)):
        assert client.post(url, data).status_code == 302
        again = client.post(url, data)
        over = client.post(url, {**data, "amount": "2.5"})
    assert "未重复登记" in again.content.decode()
    assert "累计将超过合同金额" in over.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).redeemed_amount == Decimal("10000")


def test_the_vouchers_import_cannot_revive_a_lapsed_voucher(staff_a, org_x):
    header = ["券号", "统一社会信用代码", "面额（元）", "发放日期", "有效期至"]
    with at(dt.date(2026, 1, 10)):
        assert run(
            "vouchers", header, [["KH-3", org_x.credit_code, 50000, "2026-01-10", "2026-03-31"]], staff_a
        )
    with at(dt.date(2026, 5, 6)):
        error = rejected("vouchers", header, [["KH-3", org_x.credit_code, 50000, "2026-01-10", "2026-12-31"]],
                         staff_a)  # fmt: skip
        expired = rejected("vouchers", header, [["KH-4", org_x.credit_code, 50000, "2026-01-10", "2026-04-30"]],
                           staff_a)  # fmt: skip
    assert "已于 2026年3月31日 到期，不能修改" in error.errors[0].reason
    assert "不能发放已过期的创新券" in expired.errors[0].reason
    assert Voucher.objects.get().expires_on == dt.date(2026, 3, 31)


# --- milestones ------------------------------------------------------------------------------------------------------


def test_a_milestone_cannot_be_done_in_the_future_nor_changed_after_acceptance(staff_a, org_x, key_rd):
    from .test_workflow import S as WS
    from .test_workflow import new_application

    project = new_application(staff_a, key_rd, org_x, WS.IN_PROGRESS)
    award = project.award
    url = reverse("programmes:milestone_create", args=[award.pk])
    client = client_for(staff_a)
    with at(dt.date(2026, 9, 1)):
        future = client.post(url, {"kind": "acceptance", "due_on": "2026-09-30", "done_on": "2026-09-20",
                                   "result": "passed", "note": ""})  # fmt: skip
        assert future.status_code == 200 and "完成日期不能晚于今天" in future.content.decode()
        assert not Milestone.objects.exists()
        before = client.post(url, {"kind": "acceptance", "due_on": "2026-09-30", "done_on": "2026-01-20",
                                   "result": "passed", "note": ""})  # fmt: skip
        assert "完成日期不能早于立项日期" in before.content.decode()
        assert client.post(url, {"kind": "acceptance", "due_on": "2026-09-30", "done_on": "2026-08-28",
                                 "result": "passed", "note": ""}).status_code == 302  # fmt: skip
        services.application_transition(application=project, to=S.ACCEPTED, by=staff_a)
        milestone = Milestone.objects.get()
        edit = client.post(reverse("programmes:milestone_edit", args=[milestone.pk]),
                           {"kind": "acceptance", "due_on": "2026-09-30", "done_on": "2026-08-28",
                            "result": "failed", "note": ""})  # fmt: skip
    assert "节点不能再修改" in edit.content.decode()
    assert Milestone.objects.get().result == "passed"
