"""补录 (historical records): past paid claims in one register run, flagged on every page, export and API
record, audited, dated at their original dates — and never usable for money paid today."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent
from kechuang.imports import services as imports
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from kechuang.programmes import backfill, services
from kechuang.programmes.models import (
    Application,
    Award,
    Call,
    Disbursement,
    PolicyDocument,
    PublicNotice,
    Status,
    Transition,
)
from kechuang.reports.figures import Period, compute
from tests.conftest import client_for
from tests.factories import OrganisationFactory
from tests.imports.conftest import xlsx_bytes

from .fixtures import _programme, make_call

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "项目类别", "年度", "奖励事项", "核定金额（元）", "核定文号", "核定日期", "兑现金额（元）",
          "兑现日期", "公示文号", "公示开始日期"]  # fmt: skip
PROGRAMME = "科技创新政策奖励兑现"
ITEM = "认定省级企业研究开发中心"
HTE_ITEM = "首次认定高新技术企业"


@pytest.fixture
def history(staff_a, county_a, hte, key_rd):
    """A 2018 policy with two rules (one capped at 150,000 元 per enterprise) and its incentive programme."""
    policy = services.policy_save(
        by=staff_a,
        data={
            "county": county_a, "title": "开化县关于促进科技创新的若干意见", "number": "开政办发〔2018〕30号",
            "issuing_bodies": "开化县人民政府办公室", "issued_on": dt.date(2018, 5, 2),
            "bureau_role": PolicyDocument.BureauRole.DRAFTED,
        },
    )  # fmt: skip
    services.rule_save(
        by=staff_a, policy=policy,
        data={"item": ITEM, "article": "第五条", "achievement": key_rd, "achievement_year": 2018,
              "amount": Decimal("100000"), "cap": Decimal("150000")},
    )  # fmt: skip
    services.rule_save(
        by=staff_a, policy=policy,
        data={"item": HTE_ITEM, "article": "第三条", "achievement": hte, "achievement_year": 2018,
              "amount": Decimal("200000"), "cap": None},
    )  # fmt: skip
    return _programme(
        staff_a, county_a, name=PROGRAMME, level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", issuer="开化县经信科技局", policy=policy,
    )  # fmt: skip


def row(org, item=HTE_ITEM, amount=200000, decision="开经信〔2019〕56号", decided="2019-06-20", paid=None,
        paid_on="2019-07-15", notice="开经信〔2019〕50号", notice_on="2019-06-03", year=2019):  # fmt: skip
    return [org.credit_code, PROGRAMME, year, item, amount, decision, decided,
            amount if paid is None else paid, paid_on, notice, notice_on]  # fmt: skip


def run(rows, by, header=HEADER):
    data = xlsx_bytes(header, rows, sheet=REGISTERS["paid_claims"].sheet_name)
    return imports.import_file(register="paid_claims", file=data, by=by, filename="paid_claims.xlsx")


def counts():
    return [m.objects.count() for m in (Application, Award, Disbursement, PublicNotice, Call, Transition)]


# --- the one-run import -------------------------------------------------------------------------------------


def test_one_register_run_records_past_paid_claims_flagged_and_dated(staff_a, org_x, history):
    org_2 = OrganisationFactory(name="开化云栖科技有限公司")
    result = run(
        [row(org_x), row(org_x, item=ITEM, amount=100000), row(org_2, notice="开经信〔2019〕61号", notice_on="2019-09-02",
         decided="2019-08-26", paid_on="2019-09-20", decision="开经信〔2019〕70号")],
        staff_a,
    )  # fmt: skip
    assert (result.created, result.unchanged) == (3, 0)

    # org_x's two rows are one claim (the same call and decision) with two items; org_2's is another.
    claims = Application.objects.filter(programme=history).order_by("pk")
    assert [(a.is_backfill, a.status, [i.rule.item for i in a.claim_items.order_by("pk")]) for a in claims] == [
        (True, Status.PAID, [HTE_ITEM, ITEM]), (True, Status.PAID, [HTE_ITEM]),
    ]  # fmt: skip
    first = claims[0]
    assert first.call.name == "2019年（补录）" and first.call.year == 2019
    assert first.decided_amount == Decimal("300000")  # 200,000 + 100,000
    assert first.backfill_reference == "开经信〔2019〕56号" and first.backfilled_by == staff_a
    award = first.award
    assert (award.is_backfill, award.decided_on, award.document, award.amount) == (
        True, dt.date(2019, 6, 20), "开经信〔2019〕56号", Decimal("300000"),
    )  # fmt: skip
    paid = list(award.disbursements.order_by("tranche"))
    assert [(d.is_backfill, d.paid_on, d.amount, d.fiscal_year, d.source, d.tranche) for d in paid] == [
        (True, dt.date(2019, 7, 15), Decimal("200000"), 2019, "county", 1),
        (True, dt.date(2019, 7, 15), Decimal("100000"), 2019, "county", 2),
    ]  # fmt: skip
    # The timeline walks the workflow table, dated at the original decision and payment dates.
    steps = [(t.to_status, timezone.localdate(t.at)) for t in first.transitions.all()]
    assert steps == [
        ("draft", dt.date(2019, 6, 20)), ("submitted", dt.date(2019, 6, 20)), ("checked", dt.date(2019, 6, 20)),
        ("decided", dt.date(2019, 6, 20)), ("paid", dt.date(2019, 7, 15)),
    ]  # fmt: skip
    # Rows naming the same notice 文号 share one 补录 notice (org_x's claim, listed once).
    notice = PublicNotice.objects.get(backfill_reference="开经信〔2019〕50号")
    assert notice.is_backfill and notice.published_on == dt.date(2019, 6, 3)
    assert list(notice.applications.values_list("pk", flat=True)) == [claims[0].pk]
    assert PublicNotice.objects.filter(is_backfill=True).count() == 2
    # Audited: the flag of each application and the second item's amount, the award, the disbursement and
    # the notices were created.
    assert AuditEvent.objects.filter(action="backfill", object_type="programmes.application").count() == 3
    for model in ("award", "disbursement", "publicnotice"):
        created = AuditEvent.objects.filter(action="create", object_type=f"programmes.{model}")
        assert all(e.after["is_backfill"] is True for e in created), model

    # Importing the same file again finds what the first run wrote.
    again = run([row(org_x), row(org_x, item=ITEM, amount=100000)], staff_a)
    assert (again.created, again.unchanged) == (0, 2)
    assert Application.objects.count() == 2 and Disbursement.objects.count() == 3


def test_a_file_with_bad_rows_writes_nothing_and_reports_each_row(staff_a, org_x, history):
    org_2 = OrganisationFactory(name="开化云栖科技有限公司")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    before = counts()
    rows = [
        row(org_x),  # good: rolled back with the rest
        row(org_2, paid_on=timezone.localdate().isoformat()),  # paid today: a live payment
        row(org_2, item=ITEM, amount=90000, decided=tomorrow.isoformat(), paid_on=tomorrow.isoformat()),
        row(org_x, item=ITEM, amount=160000),  # over the rule's 150,000 元 cap
        row(org_2, item="认定省级研发中心", amount=50000),  # no such rule: a typo must not bypass the cap
        row(
            org_2, amount=100000, paid=120000, year=2020, decided="2020-06-20", paid_on="2020-07-15"
        ),  # paid more than decided
        row(
            org_2, decision="开经信2019第56号", year=2021, decided="2021-06-20", paid_on="2021-07-15"
        ),  # not a 文号
    ]
    with pytest.raises(ImportRejected) as info:
        run(rows, staff_a)
    errors = info.value.errors
    by_row = {}
    for e in errors:
        by_row.setdefault(e.row, []).append((e.column, e.reason))
    assert set(by_row) == {3, 4, 5, 6, 7, 8}
    assert by_row[3] == [("兑现日期", by_row[3][0][1])] and "须早于今天" in by_row[3][0][1]
    assert {c for c, _ in by_row[4]} == {"核定日期", "兑现日期"}
    # over the rule's 100,000 元 per achievement (and its cap): the per-item amount is checked first
    assert by_row[5][0][0] == "核定金额（元）" and "每项奖励 100000.00 元" in by_row[5][0][1]
    assert by_row[6][0][0] == "奖励事项" and ITEM in by_row[6][0][1]
    assert by_row[7] == [("兑现金额（元）", "兑现金额不能超过核定金额 100000.00 元。")]
    assert by_row[8][0][0] == "核定文号"
    assert counts() == before  # all or nothing: the good first row and the 补录 call are rolled back
    assert not AuditEvent.objects.filter(action="backfill").exists()


def test_the_cap_counts_every_claim_of_the_enterprise_under_the_rule(staff_a, org_x, history):
    with pytest.raises(ImportRejected) as info:
        run([row(org_x, item=ITEM, amount=100000),
             row(org_x, item=ITEM, amount=60000, year=2020, decided="2020-05-06", paid_on="2020-06-01",
                 decision="开经信〔2020〕11号", notice="", notice_on=None)], staff_a)  # fmt: skip
    (error,) = info.value.errors
    assert error.row == 3 and "该企业已核定 100000.00 元" in error.reason
    assert run([row(org_x, item=ITEM, amount=100000)], staff_a).created == 1


def test_template_and_import_from_the_command_line(tmp_path, staff_a, org_x, history):
    path = tmp_path / "模板.xlsx"
    call_command("template", "paid_claims", str(path), stdout=io.StringIO())
    header = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("补录：已兑现奖励").to_python()[0]
    assert header[:4] == ["统一社会信用代码", "项目类别", "年度", "批次"]
    assert "核定文号" in header and "公示文号" in header and "补录" not in header
    path.write_bytes(xlsx_bytes(HEADER, [row(org_x)], sheet="补录：已兑现奖励"))
    out = io.StringIO()
    call_command("import", "paid_claims", str(path), "--user", "staff_a", stdout=out)
    assert "新增 1 条" in out.getvalue()
    assert Application.objects.get().is_backfill
    # The export reads back as the same rows (a re-import changes nothing).
    exported = tmp_path / "导出.xlsx"
    call_command("export", "paid_claims", str(exported), stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(exported)).get_sheet_by_name("补录：已兑现奖励").to_python()
    assert rows[0][-2:] == ["补录", "申报状态"] and rows[1][-2:] == ["补录", "已兑现"]
    out = io.StringIO()
    call_command("import", "paid_claims", str(exported), "--user", "staff_a", stdout=out)
    assert "未变 1 条" in out.getvalue()


def test_another_countys_staff_cannot_backfill_our_enterprises(staff_b, org_x, history):
    with pytest.raises(ImportRejected) as info:
        run([row(org_x)], staff_b)
    assert "不在您管辖的县（市、区）内" in info.value.errors[0].reason
    assert not Application.objects.exists()


# --- never money paid today ----------------------------------------------------------------------------------


def _checked_claim(staff, org, hte, incentive):
    """A live claim: 2025's high-tech recognition recorded, the 2026 claim filed and checked."""
    recognition = services.application_create(
        by=staff, data={"call": make_call(staff, hte, year=2025), "organisation": org}
    )
    for target in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=recognition, to=target, by=staff)
    services.application_approve(
        by=staff, application=recognition,
        data={"decided_on": dt.date(2025, 11, 20), "certificate_no": "GR202533000123", "document": "国科火字〔2025〕200号"},
    )  # fmt: skip
    claim = services.application_create(
        by=staff, data={"call": make_call(staff, incentive), "organisation": org}
    )
    for target in (Status.SUBMITTED, Status.CHECKED):
        services.application_transition(application=claim, to=target, by=staff)
    return Application.objects.get(pk=claim.pk)


def _live_decided_claim(staff, org, hte, incentive):
    """The same claim decided today at the proposed amount."""
    claim = _checked_claim(staff, org, hte, incentive)
    services.claim_decide(by=staff, application=claim)
    return Application.objects.get(pk=claim.pk)


def test_a_backfill_notice_cannot_pay_a_live_claim(staff_a, org_x, hte, incentive):
    live = _live_decided_claim(staff_a, org_x, hte, incentive)
    assert live.status == Status.DECIDED and live.decided_amount == Decimal("200000")
    notice = backfill.notice_backfill(
        by=staff_a,
        county=live.county_id,
        reference="开经信〔2019〕50号",
        published_on=dt.date(2019, 6, 3),
        applications=[live],
    )
    assert notice.is_backfill and notice.ends_on < timezone.localdate()
    data = {"amount": Decimal("200000"), "source": "county", "fiscal_year": timezone.localdate().year,
            "paid_on": timezone.localdate(), "voucher_no": "记-001"}  # fmt: skip
    with pytest.raises(ValidationError, match="只有补录的历史公示"):
        services.disbursement_create(by=staff_a, award=live.award, data=data)
    # The page refuses it the same way, and says why.
    client = client_for(staff_a)
    page = client.get(reverse("programmes:award_detail", args=[live.award.pk]))
    assert "只有补录的历史公示" in page.content.decode()
    client.post(
        reverse("programmes:disbursement_create", args=[live.award.pk]),
        {"amount": "200000", "source": "county", "fiscal_year": timezone.localdate().year,
         "paid_on": timezone.localdate().isoformat(), "voucher_no": "记-001", "tranche": 1},
    )  # fmt: skip
    assert not Disbursement.objects.exists()
    assert Application.objects.get(pk=live.pk).status == Status.DECIDED


def test_backfill_dates_today_or_later_are_refused(staff_a, org_x, history):
    today = timezone.localdate()
    base = {
        "organisation": org_x, "programme": history, "year": 2019, "achievement": HTE_ITEM,
        "decided_amount": Decimal("200000"), "decision_reference": "开经信〔2019〕56号",
        "decided_on": dt.date(2019, 6, 20), "paid_amount": Decimal("200000"), "paid_on": dt.date(2019, 7, 15),
    }  # fmt: skip
    for change, field in (
        ({"paid_on": today}, "paid_on"),
        (
            {"decided_on": today + dt.timedelta(days=30), "paid_on": today + dt.timedelta(days=31)},
            "decided_on",
        ),
        ({"notice_reference": "开经信〔2019〕50号", "notice_published_on": today}, "notice_published_on"),
    ):
        with pytest.raises(ValidationError) as info:
            backfill.paid_claim_backfill(by=staff_a, data={**base, **change})
        assert field in info.value.message_dict, change
    # A notice still running is a live notice, not history.
    with pytest.raises(ValidationError, match="尚未期满"):
        backfill.notice_backfill(
            by=staff_a, county=org_x.county.pk, reference="开经信〔2026〕9号",
            published_on=today - dt.timedelta(days=1), applications=[],
        )  # fmt: skip
    assert not Application.objects.exists() and not PublicNotice.objects.exists()
    assert backfill.paid_claim_backfill(by=staff_a, data=base).created


def test_backfill_is_for_staff_of_the_county(enterprise_x, staff_b, org_x, history):
    data = {
        "organisation": org_x, "programme": history, "year": 2019, "achievement": HTE_ITEM,
        "decided_amount": Decimal("1"), "decision_reference": "开经信〔2019〕56号", "decided_on": dt.date(2019, 6, 20),
        "paid_amount": Decimal("1"), "paid_on": dt.date(2019, 7, 15),
    }  # fmt: skip
    from django.core.exceptions import PermissionDenied

    for user in (enterprise_x, staff_b):
        with pytest.raises(PermissionDenied):
            backfill.paid_claim_backfill(by=user, data=data)
    assert not Application.objects.exists()


# --- figures count history in its year ---------------------------------------------------------------------


def test_figures_count_backfilled_money_in_its_year(staff_a, county_a, org_x, history):
    run([row(org_x), row(org_x, item=ITEM, amount=100000)], staff_a)
    paid = compute("policy.money_paid", county_a, Period.parse("2019"))
    assert paid.value == Decimal("300000")
    assert set(paid.evidence.values_list("is_backfill", flat=True)) == {True}
    assert compute("policy.money_paid", county_a, Period.parse("2020")).value == 0


# --- the flag on pages, exports and the API -------------------------------------------------------------------


def test_the_flag_shows_on_pages_exports_and_the_api(staff_a, enterprise_x, org_x, history):
    run([row(org_x)], staff_a)
    claim = Application.objects.get()
    award, paid, notice = claim.award, Disbursement.objects.get(), PublicNotice.objects.get()
    client = client_for(staff_a)
    badge = 'class="tag tag-backfill"'
    for url in (
        reverse("programmes:application_detail", args=[claim.pk]),
        reverse("programmes:application_list"),
        reverse("programmes:award_detail", args=[award.pk]),
        reverse("programmes:ledger"),
        reverse("programmes:notice_list"),
        reverse("programmes:notice_detail", args=[notice.pk]),
        reverse("programmes:call_detail", args=[claim.call_id]),
        reverse("organisation_detail", args=[org_x.pk]),
    ):
        page = client.get(url).content.decode()
        assert badge in page, url
    # The enterprise sees the flag on its own home page too.
    assert badge in client_for(enterprise_x).get("/").content.decode()
    detail = client.get(reverse("programmes:application_detail", args=[claim.pk])).content.decode()
    assert "依据 开经信〔2019〕56号" in detail
    # The ledger export and the registers' exports carry the flag and the document.
    ledger = client.get(reverse("programmes:ledger"), {"export": "xlsx"})
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(ledger.content)).get_sheet_by_index(0).to_python()
    header = sheet[0]
    assert sheet[1][header.index("补录")] == "补录"
    assert sheet[1][header.index("补录依据（文号）")] == "开经信〔2019〕56号"
    for register, name in (
        ("applications", "申报"),
        ("awards", "立项认定结果"),
        ("disbursements", "资金拨付"),
    ):
        data = imports.export_queryset(register=register, by=staff_a)
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python()
        assert rows[1][rows[0].index("补录")] == "补录（开经信〔2019〕56号）", register
    # The API says so on each record.
    api = "/api/programmes"
    assert client.get(f"{api}/applications/{claim.pk}").json()["is_backfill"] is True
    body = client.get(f"{api}/awards/{award.pk}").json()
    assert (body["is_backfill"], body["backfill_reference"]) == (True, "开经信〔2019〕56号")
    listed = client.get(f"{api}/disbursements").json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert [(d["id"], d["is_backfill"]) for d in items] == [(paid.pk, True)]


def test_live_records_are_not_flagged(staff_a, org_x, hte, incentive):
    live = _live_decided_claim(staff_a, org_x, hte, incentive)
    client = client_for(staff_a)
    assert (
        'class="tag tag-backfill"'
        not in client.get(reverse("programmes:application_detail", args=[live.pk])).content.decode()
    )
    assert client.get(f"/api/programmes/applications/{live.pk}").json()["is_backfill"] is False


def test_the_summary_evidence_lists_show_the_flag(staff_a, county_a, org_x, history):
    from kechuang.reports.summary import summary_create

    run([row(org_x)], staff_a)
    summary = summary_create(by=staff_a, county=county_a, period=Period.parse("2019"))
    client = client_for(staff_a)
    page = client.get(f"/reports/summaries/{summary.pk}/evidence/policy.money_paid/").content.decode()
    assert "补录（开经信〔2019〕56号）" in page
    export = client.get(f"/reports/summaries/{summary.pk}/evidence/policy.money_paid/", {"export": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    assert "补录（开经信〔2019〕56号）" in [cell for r in rows for cell in r]


# --- the 补录 page --------------------------------------------------------------------------------------------


def test_the_backfill_page_records_one_past_claim(staff_a, org_x, history):
    client = client_for(staff_a)
    url = reverse("programmes:backfill_claim_create")
    assert url in client.get(reverse("programmes:ledger")).content.decode()
    form = {
        "organisation": org_x.credit_code, "programme": history.pk, "year": 2019, "achievement": HTE_ITEM,
        "decided_amount": "20", "decision_reference": "开经信〔2019〕56号", "decided_on": "2019-06-20",
        "paid_amount": "20", "paid_on": timezone.localdate().isoformat(), "source": "county",
    }  # fmt: skip
    refused = client.post(url, form)
    assert refused.status_code == 200 and "须早于今天" in refused.content.decode()
    assert not Application.objects.exists()
    done = client.post(url, {**form, "paid_on": "2019-07-15"})
    claim = Application.objects.get()
    assert done.url == reverse("programmes:application_detail", args=[claim.pk])
    assert claim.is_backfill and claim.status == Status.PAID and claim.award.amount == Decimal("200000")


def test_the_backfill_page_is_staff_only(enterprise_x, staff_b, org_x, history):
    url = reverse("programmes:backfill_claim_create")
    assert client_for(enterprise_x).get(url).status_code == 403
    page = client_for(staff_b).get(url).content.decode()
    assert history.name not in page  # another county's programmes are not offered
    client_for(staff_b).post(url, {"organisation": org_x.credit_code, "programme": history.pk, "year": 2019})
    assert not Application.objects.exists()


# --- the API ----------------------------------------------------------------------------------------------------


def test_the_api_records_a_past_paid_claim_and_refuses_what_the_service_refuses(
    staff_a, enterprise_x, org_x, history
):
    client = client_for(staff_a)
    url = "/api/programmes/backfill/paid-claims"
    body = {
        "organisation": org_x.credit_code, "programme": history.pk, "year": 2019, "achievement": ITEM,
        "decided_amount": "100000.00", "decision_reference": "开经信〔2019〕56号", "decided_on": "2019-06-20",
        "paid_amount": "100000.00", "paid_on": "2019-07-15", "notice_reference": "开经信〔2019〕50号",
        "notice_published_on": "2019-06-03",
    }  # fmt: skip
    over = client.post(
        url,
        {**body, "decided_amount": "160000.00", "paid_amount": "160000.00"},
        content_type="application/json",
    )
    assert over.status_code == 422 and "每项奖励 100000.00 元" in str(over.json())
    today = client.post(
        url, {**body, "paid_on": timezone.localdate().isoformat()}, content_type="application/json"
    )
    assert today.status_code == 422 and "须早于今天" in str(today.json())
    assert client_for(enterprise_x).post(url, body, content_type="application/json").status_code == 403
    assert not Application.objects.exists()
    done = client.post(url, body, content_type="application/json")
    assert done.status_code == 201, done.content
    data = done.json()
    assert data["created"] is True
    assert (data["application"]["is_backfill"], data["application"]["status"]) == (True, "paid")
    assert (data["award"]["backfill_reference"], data["disbursement"]["paid_on"]) == (
        "开经信〔2019〕56号",
        "2019-07-15",
    )
    assert PublicNotice.objects.get(pk=data["notice_id"]).is_backfill
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert Application.objects.count() == 1


def test_a_backfilled_award_keeps_its_history(staff_a, org_x, history):
    run([row(org_x, paid=150000)], staff_a)  # partly paid: still 已核定金额
    award = Award.objects.get()
    assert award.application.status == Status.DECIDED
    with pytest.raises(ValidationError, match="按原核定文件 开经信〔2019〕56号 登记"):
        services.award_amend(by=staff_a, award=award, amount=Decimal("180000"), reason="改")
    with pytest.raises(ValidationError, match="须早于今天"):
        services.award_update(by=staff_a, award=award, data={"decided_on": timezone.localdate()})
    # The rest of the money is paid only through a live notice: the 补录 notice does not clear it.
    with pytest.raises(ValidationError, match="只有补录的历史公示"):
        services.disbursement_create(
            by=staff_a, award=award,
            data={"amount": Decimal("50000"), "source": "county", "fiscal_year": timezone.localdate().year,
                  "paid_on": timezone.localdate(), "voucher_no": "记-002"},
        )  # fmt: skip
    assert Award.objects.get().amount == Decimal("200000")


def test_the_audit_log_replays_to_the_backfilled_records(staff_a, org_x, history):
    from tests.core.replay import assert_replay_matches

    run([row(org_x), row(org_x, item=ITEM, amount=100000)], staff_a)
    for model in (Application, Award, Disbursement, PublicNotice, Call):
        for obj in model.objects.all():
            assert_replay_matches(obj)


def test_a_live_claim_is_not_decided_at_a_date_before_its_check(staff_a, org_x, hte, incentive):
    claim = _checked_claim(staff_a, org_x, hte, incentive)
    with pytest.raises(ValidationError, match="请用“补录”登记"):
        services.claim_decide(by=staff_a, application=claim, decided_on=dt.date(2019, 6, 20))
    assert Application.objects.get(pk=claim.pk).status == Status.CHECKED
    assert services.claim_decide(by=staff_a, application=claim).decided_on == timezone.localdate()


def test_the_ledger_filters_backfilled_payments(staff_a, org_x, history):
    run([row(org_x), row(org_x, item=ITEM, amount=100000)], staff_a)
    client = client_for(staff_a)
    url = reverse("programmes:ledger")
    assert "共 2 笔拨付" in client.get(url, {"backfill": "1"}).content.decode()
    assert "没有符合条件的拨付记录" in client.get(url, {"backfill": "0"}).content.decode()
    export = client.get(url, {"backfill": "0", "export": "xlsx"})
    assert (
        len(CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()) == 1
    )
