"""Excel registers of the programmes engine: every row through the services (timeline, audit, rules),
all or nothing with a row-by-row report, re-imports update, exports import back unchanged, the CLI."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent
from kechuang.imports import services as imports
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from kechuang.programmes import services
from kechuang.programmes.models import (
    Application,
    Award,
    Disbursement,
    IncentiveRule,
    PolicyDocument,
    Programme,
    Status,
    Transition,
    Voucher,
)
from tests.conftest import client_for
from tests.factories import OrganisationFactory
from tests.imports.conftest import xlsx_bytes

from .fixtures import make_call

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

POLICY_HEADER = ["所属县", "文号", "文件标题", "发文机关", "成文日期", "本局角色", "奖励事项", "条款", "认定成果",
                 "成果年度", "每项奖励（元）", "每家上限（元）"]  # fmt: skip
RESULT_HEADER = ["统一社会信用代码", "项目类别", "批次", "项目名称", "结果", "批准日期", "批准文件", "补助金额（元）",
                 "证书编号", "入库登记编号"]  # fmt: skip


def run(register, header, rows, by, sheet=None):
    data = xlsx_bytes(header, rows, sheet=sheet or REGISTERS[register].sheet_name)
    return imports.import_file(register=register, file=data, by=by, filename=f"{register}.xlsx")


def rejected(register, header, rows, by):
    with pytest.raises(ImportRejected) as info:
        run(register, header, rows, by)
    return info.value


def policy_row(number="开经信〔2025〕80号", item="首次认定高新技术企业", achievement="国家高新技术企业认定",
               amount=200000, **kw):  # fmt: skip
    row = {
        "county": "330824", "number": number, "title": "开化县科技创新若干政策", "bodies": "开化县经信科技局",
        "issued_on": "2025-06-01", "role": "牵头起草", "item": item, "article": "第三条", "achievement": achievement,
        "year": 2025, "amount": amount, "cap": None,
    }  # fmt: skip
    row.update(kw)
    return list(row.values())


def sheet_rows(data, register):
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(REGISTERS[register].sheet_name).to_python()


# --- policies ---------------------------------------------------------------------------------------------


def test_policies_file_with_three_bad_rows_imports_nothing_and_reports_each(staff_a, hte):
    rows = [
        policy_row(),
        policy_row(number="开经信2025-81", item="省科技型中小企业"),
        policy_row(number="开经信〔2025〕82号", achievement="不存在的项目类别"),
        policy_row(number="开经信〔2025〕83号", amount=-100),
    ]
    error = rejected("policies", POLICY_HEADER, rows, staff_a)
    assert error.rows == [3, 4, 5]
    by_row = {e.row: e for e in error.errors}
    assert by_row[3].column == "文号" and "六角括号" in by_row[3].reason
    assert by_row[4].column == "认定成果" and "找不到名为“不存在的项目类别”的项目类别" in by_row[4].reason
    assert by_row[5].column == "每项奖励（元）" and by_row[5].reason == "金额不能为负数。"
    assert "第 5 行 【每项奖励（元）】“-100”：金额不能为负数。" in [str(e) for e in error.errors]
    assert not PolicyDocument.objects.exists() and not IncentiveRule.objects.exists()
    event = AuditEvent.objects.get(action="import_rejected")
    assert event.user == staff_a and event.after["bad_rows"] == [3, 4, 5]


def test_policy_rows_become_one_document_with_its_rules_and_reimport_updates(staff_a, hte, sme):
    rows = [
        policy_row(),
        policy_row(item="首次入库国家科技型中小企业", achievement="国家科技型中小企业评价", amount=20000, cap=20000),
        policy_row(number="开经信〔2025〕90号", item=None, achievement=None, year=None, amount=None, article=None,
                   title="关于印发创新券管理办法的通知"),
    ]  # fmt: skip
    result = run("policies", POLICY_HEADER, rows, staff_a)
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    policy = PolicyDocument.objects.get(number="开经信〔2025〕80号")
    assert (policy.issuer_code, policy.number_year, policy.number_serial) == ("开经信", 2025, 80)
    assert [(r.item, r.achievement, r.amount, r.cap) for r in policy.rules.order_by("pk")] == [
        ("首次认定高新技术企业", hte, Decimal("200000"), None),
        ("首次入库国家科技型中小企业", sme, Decimal("20000"), Decimal("20000")),
    ]
    assert PolicyDocument.objects.get(number="开经信〔2025〕90号").rules.count() == 0
    assert AuditEvent.objects.filter(action="create", object_type="programmes.incentiverule").count() == 2

    again = run("policies", POLICY_HEADER, rows, staff_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    rows[0] = policy_row(amount=300000)
    changed = run("policies", POLICY_HEADER, rows, staff_a)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert policy.rules.get(item="首次认定高新技术企业").amount == Decimal("300000")
    assert PolicyDocument.objects.count() == 2 and IncentiveRule.objects.count() == 2
    update = AuditEvent.objects.get(action="update", object_type="programmes.incentiverule")
    assert update.before == {"amount": "200000.00"} and update.after == {"amount": "300000.00"}


def test_rows_of_one_document_must_agree_and_the_year_must_match(staff_a, hte, sme):
    rows = [
        policy_row(),
        policy_row(
            item="首次入库国家科技型中小企业", achievement="国家科技型中小企业评价", title="另一个标题"
        ),
        policy_row(number="开经信〔2024〕5号", item="其他"),
    ]
    error = rejected("policies", POLICY_HEADER, rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(3, "文件标题"), (4, "成文日期")]
    assert "与第 2 行不同" in error.errors[0].reason
    assert "文号年份 2024" in error.errors[1].reason


def test_staff_of_another_county_cannot_import_into_county_a(staff_b, hte):
    error = rejected("policies", POLICY_HEADER, [policy_row()], staff_b)
    assert [(e.row, e.column) for e in error.errors] == [(2, "所属县")]
    assert "不在您管辖的县" in error.errors[0].reason
    assert not PolicyDocument.objects.exists()


# --- programmes and calls ---------------------------------------------------------------------------------


def test_programmes_and_calls_import_and_update(staff_a, policy_a):
    header = [
        "所属县",
        "名称",
        "层级",
        "类型",
        "结果形式",
        "类别",
        "主管部门",
        "政策依据（文号）",
        "有效期（年）",
    ]
    rows = [
        ["开化县", "省级研发中心认定", "省级", "资质认定", "资质（有效期）", "省级研发中心", "浙江省科学技术厅", None, 3],
        ["330824", "县级科技奖励", "县级", "政策奖励", "奖励资金", "科技奖励", "开化县经信科技局", "开政办发[2025]12号", None],
        ["330824", "缺依据的奖励", "县级", "政策奖励", "奖励资金", "科技奖励", "开化县经信科技局", None, None],
    ]  # fmt: skip
    error = rejected("programmes", header, rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(4, "政策依据（文号）")]
    assert "政策奖励须注明政策依据" in error.errors[0].reason
    assert not Programme.objects.exists()

    result = run("programmes", header, rows[:2], staff_a)
    assert result.created == 2
    incentive = Programme.objects.get(name="县级科技奖励")
    assert incentive.policy == policy_a and incentive.kind == "incentive"

    calls = [
        ["省级研发中心认定", "2026年", 2026, "2026-03-01", "2026-04-30", "2026-04-20"],
        ["县级科技奖励", "2026年", 2026, "2026-03-01", "2026-03-31", None],
    ]
    call_header = ["项目类别", "批次", "年度", "开始申报", "申报截止", "县级推荐截止"]
    assert run("calls", call_header, calls, staff_a).created == 2
    calls[0][4] = "2026-05-31"
    result = run("calls", call_header, calls, staff_a)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    calls[1][5] = "2026-04-15"
    error = rejected("calls", call_header, calls, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(3, "县级推荐截止")]


# --- applications ---------------------------------------------------------------------------------------------


def test_historical_applications_walk_the_workflow_to_their_status(staff_a, org_x, hte):
    call = make_call(staff_a, hte, year=2025)
    other = OrganisationFactory(region=org_x.region)
    header = ["统一社会信用代码", "项目类别", "批次", "状态", "办理说明"]
    rows = [
        [org_x.credit_code, hte.name, call.name, "已推荐", None],
        [other.credit_code, hte.name, call.name, "未通过县级审核", "研发费用占比不足"],
    ]
    assert run("applications", header, rows, staff_a).created == 2
    recommended = Application.objects.get(organisation=org_x)
    assert recommended.status == Status.RECOMMENDED
    assert [(t.from_status, t.to_status, t.actor) for t in recommended.transitions.all()] == [
        ("", "draft", staff_a), ("draft", "submitted", staff_a), ("submitted", "recommended", staff_a),
    ]  # fmt: skip
    refused = Application.objects.get(organisation=other)
    assert refused.status == Status.REJECTED
    assert refused.transitions.last().comment == "研发费用占比不足"

    # Approval needs the award's data: that file refuses it, row by row.
    rows[0][3] = "已立项/认定"
    error = rejected("applications", header, rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(2, "状态")]
    assert "上级批复结果" in error.errors[0].reason


# --- upper-level results --------------------------------------------------------------------------------


def result_rows(orgs, programme, call, **over):
    return [
        [org.credit_code, programme.name, call.name, None, "批准", "2025-12-08", "国科火字〔2025〕201号", None,
         f"GR2025330{i:05d}", None]
        for i, org in enumerate(orgs)
    ]  # fmt: skip


def test_thirty_historical_results_become_approvals_with_awards_and_timelines(staff_a, county_a, hte):
    call = make_call(staff_a, hte, year=2025)
    orgs = [OrganisationFactory(region=county_a) for _ in range(30)]
    result = run("application_results", RESULT_HEADER, result_rows(orgs, hte, call), staff_a)
    assert (result.rows, result.created, result.updated, result.unchanged) == (30, 30, 0, 0)

    applications = Application.objects.filter(call=call)
    assert applications.count() == 30 and set(applications.values_list("status", flat=True)) == {"approved"}
    awards = Award.objects.filter(programme=hte).order_by("certificate_no")
    assert awards.count() == 30
    first = awards.first()
    assert first.certificate_no == "GR202533000000" and first.document == "国科火字〔2025〕201号"
    assert (first.valid_from, first.valid_until) == (dt.date(2025, 12, 8), dt.date(2028, 12, 7))
    for application in applications:
        steps = [(t.to_status, t.actor_id) for t in application.transitions.all()]
        assert steps == [(s, staff_a.pk) for s in ("draft", "submitted", "recommended", "approved")]
    assert Transition.objects.filter(application__call=call).count() == 120
    transitions = AuditEvent.objects.filter(action="transition", user=staff_a)
    assert transitions.count() == 90  # three moves each; the first row of a timeline is the creation
    assert AuditEvent.objects.filter(action="create", object_type="programmes.award").count() == 30
    summary = AuditEvent.objects.get(action="import")
    assert summary.after["created"] == 30


def test_results_update_recorded_awards_and_find_existing_applications(staff_a, org_x, county_a, hte, key_rd):
    hte_call, rd_call = make_call(staff_a, hte, year=2025), make_call(staff_a, key_rd, year=2025)
    other = OrganisationFactory(region=county_a)
    # One application already filed and recommended through the pages; the other arrives as history.
    filed = services.application_create(
        by=staff_a, data={"call": rd_call, "organisation": org_x, "title": "茶多酚提取"}
    )
    services.application_transition(application=filed, to=Status.SUBMITTED, by=staff_a)
    services.application_transition(application=filed, to=Status.RECOMMENDED, by=staff_a)
    rows = [
        [org_x.credit_code, key_rd.name, rd_call.name, "茶多酚提取", "批准", "2025-09-01", "浙科发计〔2025〕9号",
         500000, None, None],
        [other.credit_code, hte.name, hte_call.name, None, "未获批", None, None, None, None, None],
    ]  # fmt: skip
    result = run("application_results", RESULT_HEADER, rows, staff_a)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    filed.refresh_from_db()
    assert filed.status == Status.APPROVED and filed.award.amount == Decimal("500000")
    assert [t.to_status for t in filed.transitions.all()] == ["draft", "submitted", "recommended", "approved"]
    assert Application.objects.get(organisation=other).status == Status.NOT_APPROVED

    rows[0][7] = 450000
    result = run("application_results", RESULT_HEADER, rows, staff_a)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Award.objects.get(application=filed).amount == Decimal("450000")
    assert Application.objects.count() == 2 and Award.objects.count() == 1

    rows[1][4] = "批准"
    rows[1][5] = "2025-12-01"
    error = rejected("application_results", RESULT_HEADER, rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(3, "结果")]
    assert "已录入为“未获批”" in error.errors[0].reason


def test_a_bad_row_rolls_back_the_whole_results_file(staff_a, county_a, org_y, hte):
    call = make_call(staff_a, hte, year=2025)
    orgs = [OrganisationFactory(region=county_a) for _ in range(3)]
    rows = result_rows(orgs, hte, call)
    rows[2][8] = None  # a qualification needs its certificate number
    rows.append([org_y.credit_code, hte.name, call.name, None, "批准", "2025-12-08", None, None, "GR1", None])
    error = rejected("application_results", RESULT_HEADER, rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(4, "证书编号"), (5, "统一社会信用代码")]
    assert error.errors[0].reason == "资质认定须填写证书编号。"
    assert "不在您管辖的县" in error.errors[1].reason
    assert not Application.objects.exists() and not Award.objects.exists() and not Transition.objects.exists()
    assert not AuditEvent.objects.filter(action="transition").exists()


def test_results_need_an_acting_user(tmp_path, staff_a, county_a, hte):
    call = make_call(staff_a, hte, year=2025)
    path = tmp_path / "批复.xlsx"
    orgs = [OrganisationFactory(region=county_a) for _ in range(2)]
    path.write_bytes(xlsx_bytes(RESULT_HEADER, result_rows(orgs, hte, call), sheet="上级批复结果"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "application_results", str(path), stderr=err)
    assert "--user" in err.getvalue()
    out = io.StringIO()
    call_command("import", "application_results", str(path), "--user", "staff_a", stdout=out)
    assert "新增 2 条" in out.getvalue()
    assert set(Application.objects.values_list("status", flat=True)) == {"approved"}
    with pytest.raises(CommandError, match="找不到账号"):
        call_command("import", "application_results", str(path), "--user", "nobody")


# --- disbursements and vouchers ------------------------------------------------------------------------------


DISBURSEMENT_HEADER = ["统一社会信用代码", "项目类别", "批次", "项目名称", "金额（元）", "资金来源", "预算年度", "拨付日期",
                       "凭证号", "配套资金", "期次"]  # fmt: skip


def approved_project(staff, org, programme, amount="500000", matching="100000"):
    call = make_call(staff, programme, year=2025)
    application = services.application_create(
        by=staff, data={"call": call, "organisation": org, "title": "茶多酚提取"}
    )
    services.application_transition(application=application, to=Status.SUBMITTED, by=staff)
    services.application_transition(application=application, to=Status.RECOMMENDED, by=staff)
    return services.application_approve(
        by=staff, application=application,
        data={"decided_on": dt.date(2025, 9, 1), "amount": Decimal(amount), "matching_amount": Decimal(matching)},
    )  # fmt: skip


def test_disbursements_go_through_the_service_and_its_notice_rule(staff_a, org_x, key_rd):
    award = approved_project(staff_a, org_x, key_rd)
    call = award.application.call
    rows = [
        [org_x.credit_code, key_rd.name, call.name, "茶多酚提取", 300000, "省级财政", 2025, "2025-10-10", "记-2025-10-01", "否", 1],
        [org_x.credit_code, key_rd.name, call.name, "茶多酚提取", 50000, "县级财政", 2025, "2025-10-10", "记-2025-10-02", "是", 1],
    ]  # fmt: skip
    error = rejected("disbursements", DISBURSEMENT_HEADER, rows, staff_a)
    assert [(e.row, e.reason) for e in error.errors] == [(3, "须先发布资金兑现公示。")]
    assert not Disbursement.objects.exists()

    result = run("disbursements", DISBURSEMENT_HEADER, rows[:1], staff_a)
    assert result.created == 1
    paid = Disbursement.objects.get()
    assert (paid.award, paid.amount, paid.source, paid.fiscal_year) == (
        award,
        Decimal("300000"),
        "provincial",
        2025,
    )
    assert run("disbursements", DISBURSEMENT_HEADER, rows[:1], staff_a).unchanged == 1
    rows[0][4] = 250000
    error = rejected("disbursements", DISBURSEMENT_HEADER, rows[:1], staff_a)
    assert "已入账的拨付不能经导入修改" in error.errors[0].reason
    rows[0][4], rows[0][8] = 300000, "记-2025-11-01"
    error = rejected("disbursements", DISBURSEMENT_HEADER, rows[:1], staff_a)
    assert "将超过核定金额" in error.errors[0].reason
    assert Disbursement.objects.count() == 1


def test_vouchers_are_issued_updated_and_kept_per_county(staff_a, staff_b, org_x, org_y):
    header = ["券号", "统一社会信用代码", "面额（元）", "发放日期", "有效期至"]
    rows = [["KH2026-0001", org_x.credit_code, 50000, "2026-01-10", "2026-12-31"]]
    assert run("vouchers", header, rows, staff_a).created == 1
    voucher = Voucher.objects.get()
    assert (voucher.county_id, voucher.amount, voucher.state) == ("330824", Decimal("50000"), "issued")
    rows[0][2] = 80000
    assert run("vouchers", header, rows, staff_a).updated == 1
    voucher.refresh_from_db()
    assert voucher.amount == Decimal("80000")
    error = rejected(
        "vouchers", header, [["KH2026-0001", org_y.credit_code, 1000, "2026-01-10", "2026-12-31"]], staff_b
    )
    assert [(e.row, e.column) for e in error.errors] == [(2, "券号")]
    error = rejected(
        "vouchers", header, [["KH2026-0002", org_x.credit_code, 0, "2026-01-10", "2025-12-31"]], staff_a
    )
    assert [(e.column, e.reason) for e in error.errors] == [
        ("面额（元）", "金额须大于 0。"),
    ]


# --- export → import round trip ----------------------------------------------------------------------


def test_every_register_exports_a_file_that_imports_back_unchanged(staff_a, org_x, county_a, hte, incentive):
    hte_call = make_call(staff_a, hte, year=2025)
    orgs = [org_x, OrganisationFactory(region=county_a)]
    run("application_results", RESULT_HEADER, result_rows(orgs, hte, hte_call), staff_a)
    claim = services.application_create(
        by=staff_a, data={"call": make_call(staff_a, incentive), "organisation": org_x}
    )
    services.voucher_issue(
        by=staff_a,
        data={"number": "KH-1", "organisation": org_x, "amount": Decimal("30000"), "issued_on": dt.date(2026, 1, 5),
              "expires_on": dt.date(2026, 12, 31)},
    )  # fmt: skip
    new_product = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省新产品试制计划", "level": "provincial", "kind": "project",
              "award_form": "project", "category": "省新产品试制计划", "issuer": "浙江省经济和信息化厅"},
    )  # fmt: skip
    award = approved_project(staff_a, org_x, new_product)
    services.disbursement_create(
        by=staff_a, award=award,
        data={"amount": Decimal("100000"), "source": "provincial", "fiscal_year": 2025, "paid_on": dt.date(2025, 10, 1),
              "voucher_no": "记-1"},
    )  # fmt: skip
    assert claim.status == Status.DRAFT
    expected_rows = {"policies": 1, "programmes": 3, "calls": 3, "applications": 4, "application_results": 3,
                     "awards": 3, "qualifications": 2, "disbursements": 1, "vouchers": 1}  # fmt: skip
    mine = [slug for slug, r in REGISTERS.items() if r.__module__ == "kechuang.programmes.imports"]
    assert sorted(mine) == sorted(expected_rows)
    for slug in mine:
        data = imports.export_queryset(register=slug, by=staff_a)
        rows = sheet_rows(data, slug)
        assert len(rows) - 1 == expected_rows[slug], slug
        result = imports.import_file(register=slug, file=data, by=staff_a, filename="导出.xlsx")
        assert (result.created, result.updated, result.unchanged) == (0, 0, expected_rows[slug]), slug


def test_export_shows_only_the_users_county(staff_a, staff_b, hte, policy_a):
    assert len(sheet_rows(imports.export_queryset(register="programmes", by=staff_a), "programmes")) == 2
    assert len(sheet_rows(imports.export_queryset(register="programmes", by=staff_b), "programmes")) == 1
    rows = sheet_rows(imports.export_queryset(register="policies", by=staff_a), "policies")
    assert rows[1][:2] == ["330824", "开政办发〔2025〕12号"]


def test_qualification_export_of_the_expiring_list(staff_a, county_a, hte):
    call = make_call(staff_a, hte, year=2023)
    orgs = [OrganisationFactory(region=county_a) for _ in range(3)]
    today = timezone.localdate()
    rows = result_rows(orgs, hte, call)
    rows[0][5] = "2020-01-01"  # valid until 2022-12-31
    rows[1][5] = (today - relativedelta(years=3, months=-2)).isoformat()  # expires in two months
    rows[2][5] = (today - relativedelta(years=1)).isoformat()  # two more years
    run("application_results", RESULT_HEADER, rows, staff_a)
    listed = sheet_rows(imports.export_queryset(register="qualifications", by=staff_a), "qualifications")
    assert listed[0][-2:] == ["有效期至", "有效状态"]
    assert [r[-1] for r in listed[1:]] == ["已过期", "6个月内到期", "有效"]
    filtered = imports.export_queryset(register="qualifications", by=staff_a, filters={"expiring": "1"})
    assert [r[0] for r in sheet_rows(filtered, "qualifications")[1:]] == [orgs[1].credit_code]


# --- pages and the command line -------------------------------------------------------------------------


def test_the_data_page_lists_the_programme_registers(staff_a):
    html = client_for(staff_a).get(reverse("imports:index")).content.decode()
    for label in ("政策文件", "项目类别", "申报批次", "上级批复结果", "资质名录", "资金拨付", "科技创新券"):
        assert label in html
    assert reverse("imports:template", args=["application_results"]) in html


def test_template_and_export_commands(tmp_path, staff_a, hte):
    path = tmp_path / "模板.xlsx"
    call_command("template", "application_results", str(path), stdout=io.StringIO())
    header = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("上级批复结果").to_python()[0]
    assert header[:3] == ["统一社会信用代码", "人选姓名", "人选手机"]
    assert "结果" in header and "申报单位（人）" not in header
    path = tmp_path / "项目类别.xlsx"
    call_command("export", "programmes", str(path), stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("项目类别").to_python()
    assert rows[1][:2] == ["330824", hte.name]
    out = io.StringIO()
    call_command("import", "programmes", str(path), "--user", "staff_a", stdout=out)
    assert "未变 1 条" in out.getvalue()


def test_the_upload_page_reports_rows(staff_a, hte):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = xlsx_bytes(POLICY_HEADER, [policy_row(amount=-5)], sheet="政策文件")
    response = client_for(staff_a).post(
        reverse("imports:upload"),
        {"register": "policies", "file": SimpleUploadedFile("政策.xlsx", data, content_type=XLSX)},
    )
    assert response.status_code == 422
    assert "金额不能为负数" in response.content.decode()


def test_values_the_database_or_the_services_could_not_hold_are_row_errors(staff_a, county_a, hte):
    error = rejected(
        "policies", POLICY_HEADER, [policy_row(number="开经信〔2025〕" + "9" * 25 + "号")], staff_a
    )
    assert [(e.column, "过长（最多 6 位）" in e.reason) for e in error.errors] == [("文号", True)]
    call = make_call(staff_a, hte, year=2025)
    rows = result_rows([OrganisationFactory(region=county_a)], hte, call)
    rows[0][5] = "9999-01-01"  # three years of validity from here would overflow the calendar
    error = rejected("application_results", RESULT_HEADER, rows, staff_a)
    assert [(e.column, e.reason) for e in error.errors] == [("批准日期", "日期须在 1949–2100 年之间。")]


def test_talent_nominations_name_the_person(staff_a, county_a, expert_person_a):
    talent = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省万人计划", "level": "provincial", "kind": "talent",
              "award_form": "honour", "category": "万人计划", "issuer": "浙江省委组织部", "for_people": True},
    )  # fmt: skip
    call = make_call(staff_a, talent, year=2025)
    header = ["人选姓名", "人选手机", "项目类别", "批次", "结果", "批准日期"]
    rows = [["王专家", "138-0000-0000", talent.name, call.name, "批准", "2025-11-01"]]
    assert run("application_results", header, rows, staff_a).created == 1
    award = Award.objects.get()
    assert award.person == expert_person_a and award.application.status == Status.APPROVED
    rows[0][0] = "无此人"
    error = rejected("application_results", header, rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(2, "人选姓名")]
