"""Enterprises import their own R&D projects and monthly expense collection (kechuang.imports): their own
organisation only, all or nothing with every problem reported, then the pages and the deduction use them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.imports import services as imports
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from kechuang.rnd import deduction
from kechuang.rnd.models import RndExpense, RndProject
from tests.conftest import client_for
from tests.imports.conftest import xlsx_bytes

pytestmark = pytest.mark.django_db

PROJECT_HEADER = ["统一社会信用代码", "企业名称", "项目编号", "项目名称", "研发形式", "开始日期", "结束日期", "预算（元）",
                  "研发人员（人）", "主要内容"]  # fmt: skip
EXPENSE_HEADER = ["统一社会信用代码", "企业名称", "项目编号", "年度", "月份", "人员人工费用（元）", "直接投入费用（元）",
                  "折旧费用（元）", "无形资产摊销（元）", "新产品设计费等（元）", "其他相关费用（元）"]  # fmt: skip


def run(register, header, rows, by):
    data = xlsx_bytes(header, rows, sheet=REGISTERS[register].sheet_name)
    return imports.import_file(register=register, file=data, by=by, filename=f"{register}.xlsx")


def rejected(register, header, rows, by):
    with pytest.raises(ImportRejected) as info:
        run(register, header, rows, by)
    return info.value


def project_row(org, code, title="新型电子浆料研发", starts="2025-01-01", ends="2025-12-31", budget=600000.0):
    return [org.credit_code, org.name, code, title, "自主研发", starts, ends, budget, 8.0, "配方与烧结工艺"]


def expense_row(org, code, year, month, personnel=0, direct=0, other=0):
    return [org.credit_code, org.name, code, year, month, personnel, direct, 0, 0, 0, other]


def test_enterprise_imports_its_own_projects(enterprise_x, org_x):
    result = run(
        "rnd_projects",
        PROJECT_HEADER,
        [project_row(org_x, "RD2025-01"), project_row(org_x, "RD2025-02", title="导电银浆", budget=None)],
        enterprise_x,
    )
    assert (result.created, result.updated) == (2, 0)
    p = RndProject.objects.get(code="RD2025-01")
    assert (p.organisation, p.county_id, p.starts_on, p.budget, p.staff) == (
        org_x,
        "330824",
        dt.date(2025, 1, 1),
        Decimal("600000"),
        8,
    )
    assert RndProject.objects.get(code="RD2025-02").budget == 0
    assert AuditEvent.objects.filter(action="create", object_type="rnd.rndproject").count() == 2
    # a re-import with a changed title updates (natural key: credit code + project code)
    result = run(
        "rnd_projects", PROJECT_HEADER, [project_row(org_x, "RD2025-01", title="电子浆料")], enterprise_x
    )
    assert (result.created, result.updated) == (0, 1)
    assert RndProject.objects.get(code="RD2025-01").title == "电子浆料"


def test_another_organisations_credit_code_is_rejected(enterprise_x, org_x, org_y):
    error = rejected(
        "rnd_projects",
        PROJECT_HEADER,
        [project_row(org_x, "RD2025-01"), project_row(org_y, "RD2025-09")],
        enterprise_x,
    )
    assert error.rows == [3]
    assert error.errors[0].column == "统一社会信用代码" and error.errors[0].value == org_y.credit_code
    assert not RndProject.objects.exists()  # all or nothing: org_x's good row was not written either


def test_expenses_import_then_show_on_the_grid_and_in_the_deduction(enterprise_x, org_x):
    run("rnd_projects", PROJECT_HEADER, [project_row(org_x, "RD2025-01")], enterprise_x)
    result = run(
        "rnd_expenses",
        EXPENSE_HEADER,
        [
            expense_row(org_x, "RD2025-01", 2025, 3, personnel=90000.0, other=20000.0),
            expense_row(org_x, "RD2025-01", 2025, 4, direct=60000.0),
        ],  # fmt: skip
        enterprise_x,
    )
    assert result.created == 2
    project = RndProject.objects.get(code="RD2025-01")
    page = client_for(enterprise_x).get(reverse("rnd:project_detail", args=[project.pk]), {"year": 2025})
    assert page.context["grid"]["grand"] == Decimal("170000")
    # five 150,000 → limit 16,666.67 < 20,000; org_x is in 3985 (门类 C) at 100% in 2025: 166,666.67
    assert deduction.deduction_for(org_x, 2025).deduction == Decimal("166666.67")


def test_unknown_project_and_negative_amount_reject_the_whole_file(enterprise_x, org_x):
    run("rnd_projects", PROJECT_HEADER, [project_row(org_x, "RD2025-01")], enterprise_x)
    error = rejected(
        "rnd_expenses",
        EXPENSE_HEADER,
        [
            expense_row(org_x, "RD2025-01", 2025, 3, personnel=90000.0),
            expense_row(org_x, "RD2099-77", 2025, 4, personnel=1000.0),
            expense_row(org_x, "RD2025-01", 2025, 5, direct=-500.0),
        ],
        enterprise_x,
    )
    assert error.rows == [3, 4]
    messages = [str(e) for e in error.errors]
    assert any("该企业没有编号为“RD2099-77”的研发项目" in m for m in messages)
    assert any("【直接投入费用（元）】" in m and "不能为负数" in m for m in messages)
    assert not RndExpense.objects.exists()


def test_expenses_of_another_organisation_are_rejected(enterprise_x, staff_b, org_x, org_y):
    run("rnd_projects", PROJECT_HEADER, [project_row(org_y, "RDY-01")], staff_b)
    error = rejected(
        "rnd_expenses", EXPENSE_HEADER, [expense_row(org_y, "RDY-01", 2025, 3, personnel=1.0)], enterprise_x
    )
    assert error.rows == [2] and error.errors[0].column == "统一社会信用代码"
    assert not RndExpense.objects.exists()


def test_upload_page_reachable_from_the_project_list(enterprise_x):
    client = client_for(enterprise_x)
    text = client.get(reverse("rnd:project_list")).content.decode()
    assert f"{reverse('imports:upload')}?register=rnd_expenses" in text
    assert reverse("imports:template", args=["rnd_projects"]) in text
    assert client.get(reverse("imports:template", args=["rnd_expenses"])).status_code == 200
    assert client.get(reverse("imports:upload"), {"register": "rnd_expenses"}).status_code == 200


def test_a_partner_outside_the_county_has_no_rnd_records_here(staff_a, county_a, org_x):
    """浙江大学, registered by 开化县 as a partner (located in 西湖区), is not one of the county's enterprises:
    neither its R&D projects nor its statistics enter the county's figures, on the register as on the model."""
    from kechuang.core import services as core_services
    from kechuang.core.models import Region
    from kechuang.rnd.models import EnterpriseStat
    from tests.factories import credit_code_for
    from tests.rnd.test_stats_import import line
    from tests.rnd.test_stats_import import run as run_stats

    xihu = Region.objects.get(code="330106")  # 杭州市西湖区, where the university is
    zju = core_services.organisation_create(
        by=staff_a,
        data={"name": "浙江大学", "kind": "university", "credit_code": credit_code_for(1, "330106", "12"),
              "region": xihu, "county": county_a},
    )  # fmt: skip
    assert zju.county_id == county_a.pk and not zju.is_local
    report = rejected("rnd_projects", PROJECT_HEADER, [project_row(org_x, "RD-OK"), project_row(zju, "RD-ZJU")],
                      staff_a)  # fmt: skip
    assert [(e.row, "县外单位" in e.reason) for e in report.errors] == [(3, True)]
    assert not RndProject.objects.exists()  # all or nothing: org_x's row waits for a clean file
    with pytest.raises(ImportRejected) as info:
        run_stats([line(org_x, 2024, "年报", 0), line(zju, 2024, "年报", 0)], staff_a)
    assert [(e.row, "县外单位" in e.reason) for e in info.value.errors] == [(3, True)]
    assert not EnterpriseStat.objects.exists()
