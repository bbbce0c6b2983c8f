"""The money and qualification pages: an award with its milestones and disbursements, the funds ledger,
the qualification register, innovation vouchers and their providers. Data is built through the services,
the pages are driven through the test client; the pages use today's date, so dates here are relative
to it."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import AuditEvent, Organisation
from kechuang.core.units import chinese_date
from kechuang.programmes import services
from kechuang.programmes.models import Disbursement, Programme, Redemption, Status, Voucher
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .fixtures import at, make_call

TODAY = timezone.localdate()
LONG_AGO = TODAY - dt.timedelta(days=90)


def url(name, *args):
    return reverse(f"programmes:{name}", args=args)


def approved(staff, programme, organisation, *, year=2025, **award):
    """An application of `organisation` to `programme`, recommended and approved with `award`."""
    call = programme.calls.filter(year=year).first() or make_call(staff, programme, year=year)
    app = services.application_create(
        by=staff, data={"call": call, "organisation": organisation, "title": award.pop("title", "")}
    )
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff)
    return services.application_approve(
        by=staff, application=app, data={"decided_on": dt.date(year, 12, 8), **award}
    )


@pytest.fixture
def claim_award(staff_a, org_x, hte, incentive):
    """org_x became a high-tech enterprise in 2025 and claimed the county's 200,000 元 for it."""
    approved(staff_a, hte, org_x, certificate_no="GR202533001234")
    call = make_call(staff_a, incentive)
    with at(LONG_AGO):  # checked and decided three months ago (the services' clock)
        claim = services.application_create(by=staff_a, data={"call": call, "organisation": org_x})
        services.application_transition(application=claim, to=Status.SUBMITTED, by=staff_a)
        services.application_transition(application=claim, to=Status.CHECKED, by=staff_a)
        return services.claim_decide(by=staff_a, application=claim, decided_on=LONG_AGO)


def publish(staff, award, published_on):
    with at(published_on):  # published that day (the services' clock)
        return _publish(staff, award, published_on)


def _publish(staff, award, published_on):
    return services.notice_publish(
        by=staff,
        data={"county": award.county, "title": "政策奖励兑现公示", "purpose": "payment",
              "published_on": published_on, "working_days": 5},
        applications=[award.application],
    )  # fmt: skip


def pay_data(**extra):
    return {
        "amount": "20", "source": "county", "fiscal_year": TODAY.year, "paid_on": TODAY.isoformat(),
        "voucher_no": "记-2026-05-031", "tranche": "1", "note": "", **extra,
    }  # fmt: skip


# --- award detail and payment --------------------------------------------------------------------------------


def test_award_detail_renders_the_award_and_its_application(staff_a, claim_award):
    response = client_for(staff_a).get(url("award_detail", claim_award.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert "开化县甲科技有限公司" in text
    assert "2026年度科技创新政策奖励兑现" in text
    assert "20万元" in text
    assert f"/programmes/applications/{claim_award.application_id}/" in text
    assert "已核定金额" in text  # the application's status


def test_qualification_award_shows_days_left_and_expiry(staff_a, org_x, hte):
    award = approved(staff_a, hte, org_x, certificate_no="GR202533009999")
    response = client_for(staff_a).get(url("award_detail", award.pk))
    days = (award.valid_until - TODAY).days
    text = response.content.decode()
    assert "GR202533009999" in text
    assert (f"剩余{days}天" in text) if days >= 0 else ("已过期" in text)


def test_paying_before_the_notice_ends_shows_the_blocker_and_creates_nothing(staff_a, claim_award):
    client = client_for(staff_a)
    assert "须先发布资金兑现公示" in client.get(url("award_detail", claim_award.pk)).content.decode()
    notice = publish(staff_a, claim_award, TODAY)
    page = client.get(url("award_detail", claim_award.pk)).content.decode()
    assert "暂不能兑现" in page
    assert f"公示期至 {chinese_date(notice.ends_on)}" in page
    assert 'name="voucher_no"' not in page  # no form while blocked

    response = client.post(url("disbursement_create", claim_award.pk), pay_data())
    assert response.status_code == 200
    assert f"公示期至 {chinese_date(notice.ends_on)}" in response.content.decode()
    assert not Disbursement.objects.exists()
    claim_award.application.refresh_from_db()
    assert claim_award.application.status == Status.DECIDED


def test_paying_after_the_notice_period_pays_the_claim_in_full(staff_a, claim_award):
    publish(staff_a, claim_award, LONG_AGO)
    client = client_for(staff_a)
    assert 'name="voucher_no"' in client.get(url("award_detail", claim_award.pk)).content.decode()

    response = client.post(url("disbursement_create", claim_award.pk), pay_data(), follow=True)
    assert response.redirect_chain[-1][0] == url("award_detail", claim_award.pk)
    payment = Disbursement.objects.get()
    assert payment.amount == Decimal("200000.00")  # 20 万元 typed, 元 stored
    assert payment.source == "county" and payment.fiscal_year == TODAY.year
    claim_award.application.refresh_from_db()
    assert claim_award.application.status == Status.PAID
    text = response.content.decode()
    assert "已兑现" in text
    assert "该奖励已全额兑现" in text


def test_overpaying_is_refused_with_the_services_message(staff_a, claim_award):
    publish(staff_a, claim_award, LONG_AGO)
    response = client_for(staff_a).post(url("disbursement_create", claim_award.pk), pay_data(amount="25"))
    assert response.status_code == 200
    assert "累计拨付 250000.00 元将超过核定金额 200000.00 元" in response.content.decode()
    assert response.context["pay_form"].errors["amount"]
    assert not Disbursement.objects.exists()


def test_others_may_not_pay(staff_b, leader_a, enterprise_x, claim_award):
    assert client_for(staff_b).post(url("disbursement_create", claim_award.pk), pay_data()).status_code == 404
    assert (
        client_for(leader_a).post(url("disbursement_create", claim_award.pk), pay_data()).status_code == 403
    )
    assert (
        client_for(enterprise_x).post(url("disbursement_create", claim_award.pk), pay_data()).status_code
        == 403
    )
    assert not Disbursement.objects.exists()
    # the holder reads its award, without the staff's form
    page = client_for(enterprise_x).get(url("award_detail", claim_award.pk)).content.decode()
    assert "记录拨付" not in page and "编辑结果" not in page


def test_staff_of_another_county_get_404_on_awards(staff_b, claim_award):
    client = client_for(staff_b)
    assert client.get(url("award_detail", claim_award.pk)).status_code == 404
    assert client.get(url("award_edit", claim_award.pk)).status_code == 404
    assert client.get(url("milestone_create", claim_award.pk)).status_code == 404
    assert AuditEvent.objects.filter(action="permission_denied", username="staff_b").exists()


def test_project_milestones_added_edited_and_overdue_highlighted(staff_a, org_x, key_rd):
    award = approved(staff_a, key_rd, org_x, title="茶叶深加工关键技术研究", amount=Decimal("1000000"))
    client = client_for(staff_a)
    due = TODAY - dt.timedelta(days=3)
    response = client.post(
        url("milestone_create", award.pk), {"kind": "mid_term", "due_on": due.isoformat(), "note": "县局组织"}
    )
    assert response.status_code == 302
    milestone = award.milestones.get()
    page = client.get(url("award_detail", award.pk)).content.decode()
    assert 'class="row-overdue"' in page and "已逾期" in page

    # done and result go together (the model's rule, reported on the form)
    response = client.post(
        url("milestone_edit", milestone.pk),
        {"kind": "mid_term", "due_on": due.isoformat(), "done_on": TODAY.isoformat()},
    )
    assert response.status_code == 200 and "完成日期与结果须同时填写" in response.content.decode()
    response = client.post(
        url("milestone_edit", milestone.pk),
        {"kind": "mid_term", "due_on": due.isoformat(), "done_on": TODAY.isoformat(), "result": "passed"},
    )
    assert response.status_code == 302
    page = client.get(url("award_detail", award.pk)).content.decode()
    assert "row-overdue" not in page and "通过" in page


def test_award_edit_recomputes_validity(staff_a, org_x, hte):
    award = approved(staff_a, hte, org_x, certificate_no="GR202533001234")
    response = client_for(staff_a).post(
        url("award_edit", award.pk),
        {"decided_on": "2025-12-08", "document": "国科火字〔2025〕1号", "certificate_no": "GR202533005678",
         "valid_from": "2025-11-20"},
    )  # fmt: skip
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.certificate_no == "GR202533005678"
    assert award.valid_until == dt.date(2028, 11, 19)


def test_project_grant_paid_in_tranches(staff_a, org_x, key_rd):
    award = approved(staff_a, key_rd, org_x, title="茶叶深加工", amount=Decimal("1000000"))
    client = client_for(staff_a)
    form = client.get(url("award_detail", award.pk)).context["pay_form"]
    assert form.initial["source"] == "provincial"  # a provincial programme's money
    assert "is_matching" not in form.fields  # no matching funds granted
    assert (
        client.post(
            url("disbursement_create", award.pk), pay_data(amount="60", source="provincial")
        ).status_code
        == 302
    )
    page = client.get(url("award_detail", award.pk)).content.decode()
    assert "40万元" in page  # 尚未拨付
    assert (
        client.post(
            url("disbursement_create", award.pk),
            pay_data(amount="40", source="provincial", tranche="2", voucher_no="记-2026-05-032"),
        ).status_code
        == 302
    )
    assert sum(d.amount for d in award.disbursements.all()) == Decimal("1000000")
    assert "补助资金已全额拨付" in client.get(url("award_detail", award.pk)).content.decode()


# --- the funds ledger ----------------------------------------------------------------------------------------------


@pytest.fixture
def ledger_data(staff_a, org_x, key_rd, claim_award, county_a):
    """A claim of 200,000 (county, this year) and two projects paid from provincial and central money."""
    publish(staff_a, claim_award, LONG_AGO)
    services.disbursement_create(
        by=staff_a, award=claim_award,
        data={"amount": Decimal("200000"), "source": "county", "fiscal_year": 2026, "paid_on": TODAY,
              "voucher_no": "记-001"},
    )  # fmt: skip
    org_z = OrganisationFactory(name="开化县丙生物有限公司", region=county_a)
    # approved in December 2024, paid in 2025 and 2026
    p1 = approved(staff_a, key_rd, org_x, year=2024, title="项目一", amount=Decimal("800000"))
    p2 = approved(staff_a, key_rd, org_z, year=2024, title="项目二", amount=Decimal("500000"))
    rows = [
        (p1, "300000", "provincial", 2025, dt.date(2025, 7, 1)),
        (p1, "150000.50", "central", 2025, dt.date(2025, 9, 1)),
        (p1, "100000", "provincial", 2026, TODAY),
        (p2, "250000", "provincial", 2026, TODAY),
    ]
    for award, amount, source, year, paid_on in rows:
        services.disbursement_create(
            by=staff_a, award=award,
            data={"amount": Decimal(amount), "source": source, "fiscal_year": year, "paid_on": paid_on,
                  "voucher_no": f"记-{amount}"},
        )  # fmt: skip
    return {"org_z": org_z}


def _totals(response, by):
    group = next(g for g in response.context["groups"] if g["by"] == by)
    return {row["key"]: row["total"] for row in group["rows"]}


def test_ledger_totals_equal_hand_computed_sums(staff_a, ledger_data):
    response = client_for(staff_a).get(url("ledger"))
    assert response.status_code == 200
    assert _totals(response, "source") == {
        "county": Decimal("200000"),
        "provincial": Decimal("650000"),  # 300000 + 100000 + 250000
        "central": Decimal("150000.50"),
    }
    assert _totals(response, "fiscal_year") == {
        2025: Decimal("450000.50"),  # 300000 + 150000.50
        2026: Decimal("550000"),  # 200000 + 100000 + 250000
    }
    assert _totals(response, "organisation") == {
        "开化县甲科技有限公司": Decimal("750000.50"),
        "开化县丙生物有限公司": Decimal("250000"),
    }
    assert _totals(response, "programme") == {
        "省重点研发计划": Decimal("800000.50"),
        "2026年度科技创新政策奖励兑现": Decimal("200000"),
    }
    assert response.context["totals"]["total"] == Decimal("1000000.50")
    assert "100.00005万元" not in response.content.decode()  # 万元 to two decimals
    assert "100万元" in response.content.decode()


def test_ledger_filters(staff_a, ledger_data):
    client = client_for(staff_a)
    response = client.get(url("ledger"), {"fiscal_year": "2025", "source": "provincial"})
    assert response.context["totals"]["total"] == Decimal("300000")
    response = client.get(url("ledger"), {"kind": "incentive"})
    assert response.context["totals"]["total"] == Decimal("200000")
    response = client.get(url("ledger"), {"q": "丙生物"})
    assert response.context["totals"]["total"] == Decimal("250000")
    response = client.get(url("ledger"), {"matching": "1"})
    assert response.context["totals"]["n"] == 0
    # htmx gets just the results
    partial = client.get(url("ledger"), {"q": "丙生物"}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="results"' in partial and "<html" not in partial


def test_ledger_export_is_an_audited_workbook_of_the_filtered_rows(staff_a, ledger_data):
    response = client_for(staff_a).get(url("ledger"), {"fiscal_year": "2025", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    amount, source, holder = (
        header.index("金额（元）"),
        header.index("资金来源"),
        header.index("获得单位/个人"),
    )
    body = sorted((r[holder], Decimal(str(r[amount])), r[source]) for r in rows[1:])
    assert body == [
        ("开化县甲科技有限公司", Decimal("150000.5"), "中央财政"),
        ("开化县甲科技有限公司", Decimal("300000"), "省级财政"),
    ]
    event = AuditEvent.objects.get(action="export", object_type="programmes.disbursement")
    assert event.username == "staff_a"
    assert event.after["rows"] == 2 and event.after["filters"] == {"fiscal_year": "2025"}


def test_ledger_export_refused_without_export_permission(enterprise_x, ledger_data):
    response = client_for(enterprise_x).get(url("ledger"), {"export": "xlsx"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()
    assert AuditEvent.objects.filter(action="permission_denied", username="enterprise_x").exists()


def test_ledger_is_scoped(staff_b, enterprise_x, ledger_data):
    assert client_for(staff_b).get(url("ledger")).context["totals"]["n"] == 0
    mine = client_for(enterprise_x).get(url("ledger"))
    assert mine.context["totals"]["total"] == Decimal("750000.50")  # org_x's own money only
    assert "丙生物" not in mine.content.decode()


def test_ledger_query_budget(staff_a, ledger_data, django_assert_max_num_queries):
    client = client_for(staff_a)
    client.get(url("ledger"))  # warm the session
    with django_assert_max_num_queries(16):
        assert client.get(url("ledger")).status_code == 200


# --- the qualification register ---------------------------------------------------------------------------------


@pytest.fixture
def centre(staff_a, county_a):
    """A qualification valid four years: any last day can be reached from some first day."""
    return services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省级企业研发中心认定", "level": "provincial", "kind": "qualification",
              "award_form": "qualification", "category": "省级研发中心", "validity_years": 4,
              "issuer": "浙江省科学技术厅"},
    )  # fmt: skip


def expiring_on(staff, programme, organisation, last_day, cert):
    first_day = last_day + dt.timedelta(days=1) - relativedelta(years=programme.validity_years)
    award = approved(staff, programme, organisation, certificate_no=cert, valid_from=first_day)
    assert award.valid_until == last_day
    return award


@pytest.fixture
def register(staff_a, county_a, org_x, centre, sme):
    six_months = TODAY + relativedelta(months=6)
    orgs = [OrganisationFactory(name=f"开化县资质企业{i}", region=county_a) for i in range(3)]
    return {
        "edge": expiring_on(staff_a, centre, orgs[0], six_months, "YF-EDGE"),
        "after": expiring_on(staff_a, centre, orgs[1], six_months + dt.timedelta(days=1), "YF-AFTER"),
        "expired": expiring_on(staff_a, centre, orgs[2], TODAY - dt.timedelta(days=1), "YF-EXPIRED"),
        "mine": expiring_on(staff_a, centre, org_x, TODAY + dt.timedelta(days=30), "YF-MINE"),
        "sme": approved(staff_a, sme, org_x, year=TODAY.year, registration_no="2026330824A0001"),
    }


def _listed(response):
    return {a.certificate_no or a.registration_no for a in response.context["page"]}


def test_expiring_view_boundaries(staff_a, register):
    response = client_for(staff_a).get(url("qualification_list"), {"expiring": "1"})
    assert response.status_code == 200
    assert _listed(response) == {"YF-EDGE", "YF-MINE"}  # exactly 6 months in; +1 day and expired out


def test_register_lists_everything_with_states_and_filters(staff_a, register):
    client = client_for(staff_a)
    response = client.get(url("qualification_list"))
    assert _listed(response) == {"YF-EDGE", "YF-AFTER", "YF-EXPIRED", "YF-MINE", "2026330824A0001"}
    states = {a.certificate_no or a.registration_no: a.validity for a in response.context["page"]}
    assert (
        states["YF-EXPIRED"] == "expired"
        and states["YF-EDGE"] == "expiring"
        and states["YF-AFTER"] == "valid"
    )
    assert response.context["counts"]["expiring"] == 2
    order = [a.certificate_no or a.registration_no for a in response.context["page"]]
    assert order[:2] == ["YF-MINE", "YF-EDGE"] and order[-1] == "YF-EXPIRED"  # soonest first, expired last
    text = response.content.decode()
    assert "已过期" in text and "即将到期" in text and "剩余30天" in text
    assert _listed(client.get(url("qualification_list"), {"state": "expired"})) == {"YF-EXPIRED"}
    assert _listed(client.get(url("qualification_list"), {"category": "国家科技型中小企业"})) == {
        "2026330824A0001"
    }


def test_register_export(staff_a, register):
    response = client_for(staff_a).get(url("qualification_list"), {"expiring": "1", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    cert, state = rows[0].index("证书编号"), rows[0].index("状态")
    assert sorted((r[cert], r[state]) for r in rows[1:]) == [("YF-EDGE", "即将到期"), ("YF-MINE", "即将到期")]
    assert AuditEvent.objects.filter(action="export", object_type="programmes.award", after__rows=2).exists()


def test_enterprise_sees_only_its_own_qualifications(enterprise_x, register):
    response = client_for(enterprise_x).get(url("qualification_list"))
    assert _listed(response) == {"YF-MINE", "2026330824A0001"}
    assert client_for(enterprise_x).get(url("award_detail", register["edge"].pk)).status_code == 404


def test_register_query_budget(staff_a, register, django_assert_max_num_queries):
    client = client_for(staff_a)
    client.get(url("qualification_list"))
    with django_assert_max_num_queries(12):
        assert client.get(url("qualification_list")).status_code == 200


# --- vouchers and providers -----------------------------------------------------------------------------------------


@pytest.fixture
def provider(staff_a, county_a):
    lab = OrganisationFactory(name="衢州市检验检测研究院", kind=Organisation.Kind.PROVIDER, region=county_a)
    return services.provider_save(
        by=staff_a,
        data={"county": county_a, "organisation": lab, "services": "检验检测", "registered_on": LONG_AGO},
    )


def issue(staff, organisation, number, *, amount="50000", issued_on=LONG_AGO, expires_on=None):
    with at(issued_on):  # issued that day (the services' clock)
        return _issue(staff, organisation, number, amount, issued_on, expires_on)


def _issue(staff, organisation, number, amount, issued_on, expires_on):
    return services.voucher_issue(
        by=staff,
        data={"number": number, "organisation": organisation, "amount": Decimal(amount), "issued_on": issued_on,
              "expires_on": expires_on or TODAY + dt.timedelta(days=200)},
    )  # fmt: skip


def redeem_data(provider, amount, **extra):
    return {
        "provider": provider.pk, "contract_no": "HT-2026-01", "contract_amount": "10", "amount": amount,
        "redeemed_on": TODAY.isoformat(), **extra,
    }  # fmt: skip


def test_issue_a_voucher_through_the_page(staff_a, org_x):
    response = client_for(staff_a).post(
        url("voucher_issue"),
        {"number": "KH-2026-0001", "organisation": org_x.pk, "amount": "5", "issued_on": TODAY.isoformat(),
         "expires_on": (TODAY + dt.timedelta(days=180)).isoformat()},
    )  # fmt: skip
    voucher = Voucher.objects.get()
    assert response.status_code == 302 and response["Location"] == url("voucher_detail", voucher.pk)
    assert voucher.amount == Decimal("50000.00") and voucher.county_id == "330824"


def test_redeem_partially_then_fully(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x, "KH-2026-0002")
    client = client_for(staff_a)
    assert client.post(url("voucher_redeem", voucher.pk), redeem_data(provider, "2")).status_code == 302
    voucher.refresh_from_db()
    assert voucher.state == Voucher.State.ISSUED and voucher.balance == Decimal("30000")
    assert "部分兑付" in client.get(url("voucher_detail", voucher.pk)).content.decode()

    # more than the balance: the service's message, next to the amount
    response = client.post(url("voucher_redeem", voucher.pk), redeem_data(provider, "4"))
    assert "兑付金额超过创新券余额 30000.00 元" in response.content.decode()
    assert response.context["form"].errors["amount"]

    assert client.post(url("voucher_redeem", voucher.pk), redeem_data(provider, "3")).status_code == 302
    voucher.refresh_from_db()
    assert voucher.state == Voucher.State.REDEEMED and voucher.balance == 0
    page = client.get(url("voucher_detail", voucher.pk)).content.decode()
    assert "已兑付" in page and 'name="contract_no"' not in page  # nothing left to redeem

    # the provider's ledger lists both redemptions and their total
    response = client.get(url("provider_detail", provider.pk))
    assert response.context["totals"]["amount"] == Decimal("50000")
    assert response.context["totals"]["n"] == 2
    assert "5万元" in response.content.decode()
    listing = client.get(url("provider_list"))
    assert listing.context["providers"][0].redeemed == Decimal("50000")


def test_redeem_after_expiry_is_refused(staff_a, org_x, provider):
    voucher = issue(staff_a, org_x, "KH-2025-0009", expires_on=TODAY - dt.timedelta(days=10))
    response = client_for(staff_a).post(url("voucher_redeem", voucher.pk), redeem_data(provider, "1"))
    assert response.status_code == 200
    assert "到期" in "".join(response.context["form"].errors["redeemed_on"])
    assert not Redemption.objects.exists()
    assert "已到期未兑付" in response.content.decode()


def test_vouchers_are_scoped(staff_a, staff_b, enterprise_x, org_x, county_a, provider):
    mine = issue(staff_a, org_x, "KH-2026-0101")
    other = issue(staff_a, OrganisationFactory(name="开化县丁电子有限公司", region=county_a), "KH-2026-0102")
    numbers = {v.number for v in client_for(enterprise_x).get(url("voucher_list")).context["page"]}
    assert numbers == {"KH-2026-0101"}
    assert client_for(enterprise_x).get(url("voucher_detail", other.pk)).status_code == 404
    assert client_for(enterprise_x).get(url("voucher_detail", mine.pk)).status_code == 200
    assert client_for(enterprise_x).get(url("voucher_issue")).status_code == 403

    b = client_for(staff_b)
    assert b.get(url("voucher_detail", mine.pk)).status_code == 404
    assert b.post(url("voucher_redeem", mine.pk), redeem_data(provider, "1")).status_code == 404
    assert b.get(url("provider_detail", provider.pk)).status_code == 404
    assert not {v.number for v in b.get(url("voucher_list")).context["page"]}
    assert not Redemption.objects.exists()


def test_provider_created_through_the_page(staff_a, county_a):
    lab = OrganisationFactory(name="开化县生产力促进中心", kind=Organisation.Kind.PROVIDER, region=county_a)
    client = client_for(staff_a)
    response = client.post(
        url("provider_create"),
        {"county": county_a.pk, "organisation": lab.pk, "services": "技术咨询", "registered_on": TODAY.isoformat(),
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert "开化县生产力促进中心" in client.get(url("provider_list")).content.decode()
    # the same organisation twice is refused by the model's constraint, on the page
    response = client.post(
        url("provider_create"),
        {
            "county": county_a.pk,
            "organisation": lab.pk,
            "services": "技术咨询",
            "registered_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_programme_kinds_are_what_the_ledger_offers(staff_a):
    response = client_for(staff_a).get(url("ledger"))
    assert [v for v, _ in response.context["kinds"]] == Programme.Kind.values
