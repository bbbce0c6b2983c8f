"""Importing the organisations register: all or nothing, idempotent, audited, bounded queries."""

import datetime as dt
import io

import pytest

from kechuang.core import audit
from kechuang.core.creditcode import expected_check_character
from kechuang.core.models import AuditEvent, Organisation
from kechuang.imports import services
from kechuang.imports.report import ImportRejected
from tests.factories import OrganisationFactory, credit_code_for
from tests.imports.conftest import ORG_HEADER, org_rows, xlsx_bytes

ORG = "core.organisation"


def run(rows, by, header=ORG_HEADER):
    return services.import_file(
        register="organisations", file=xlsx_bytes(header, rows), by=by, filename="企业名单.xlsx"
    )


def rejected(rows, by, header=ORG_HEADER):
    with pytest.raises(ImportRejected) as info:
        run(rows, by, header)
    return info.value


def wrong_check_character(code):
    right = code[17]
    return code[:17] + ("0" if right != "0" else "1")


def test_good_file_of_1000_rows_imports_with_bounded_queries(
    staff_a, county_a, django_assert_max_num_queries
):
    rows = org_rows(1000)
    with django_assert_max_num_queries(60):
        result = run(rows, staff_a)
    assert (result.rows, result.created, result.updated, result.unchanged) == (1000, 1000, 0, 0)
    assert Organisation.objects.count() == 1000

    org = Organisation.objects.get(credit_code=rows[0][1])
    assert org.name == "导入测试企业00000"
    assert org.region == county_a
    assert org.industry_id == "3985"  # typed as the number 3985, read back as 3985.0
    assert org.kind == Organisation.Kind.ENTERPRISE and org.size == Organisation.Size.SMALL
    assert org.established_on == dt.date(2020, 9, 12)
    assert org.contact_phone == "13800000000"  # not "13800000000.0"

    creates = AuditEvent.objects.filter(action="create", object_type=ORG)
    assert creates.count() == 1000
    event = creates.get(object_id=str(org.pk))
    assert event.user == staff_a and event.after["name"] == org.name and event.before is None
    summary = AuditEvent.objects.get(action="import")
    assert summary.user == staff_a
    assert summary.after == {
        "register": "organisations",
        "file": "企业名单.xlsx",
        "rows": 1000,
        "created": 1000,
        "updated": 0,
        "unchanged": 0,
    }
    assert "新增 1000 条" in summary.detail


def test_importing_the_same_file_twice_updates_instead_of_duplicating(staff_a):
    data = xlsx_bytes(ORG_HEADER, org_rows(1000))
    services.import_file(register="organisations", file=data, by=staff_a, filename="a.xlsx")
    events = AuditEvent.objects.count()
    second = services.import_file(register="organisations", file=data, by=staff_a, filename="a.xlsx")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1000)
    assert Organisation.objects.count() == 1000
    # Nothing changed, so only the summary event is new.
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.filter(action="import").count() == 2


def test_one_bad_row_in_1000_rejects_the_file_and_writes_nothing(staff_a):
    rows = org_rows(1000)
    good_code = rows[515][1]  # Excel row 517: header is row 1, data starts at row 2
    rows[515][1] = wrong_check_character(good_code)
    orgs_before, events_before = Organisation.objects.count(), AuditEvent.objects.count()

    error = rejected(rows, staff_a)

    assert Organisation.objects.count() == orgs_before
    assert AuditEvent.objects.count() == events_before + 1  # only the rejection
    assert len(error.errors) == 1
    bad = error.errors[0]
    assert bad.row == 517
    assert bad.column == "统一社会信用代码"
    assert bad.value == rows[515][1]
    expected = expected_check_character(good_code[:17])
    assert f"第 18 位应为“{expected}”" in bad.reason
    assert "第 517 行" in str(bad)

    event = AuditEvent.objects.get(action="import_rejected")
    assert event.result == AuditEvent.Result.FAILED
    assert event.user == staff_a
    assert event.after["bad_rows"] == [517]
    assert event.after["errors"] == 1


def test_every_bad_row_column_and_reason_is_reported(staff_a, org_y):
    rows = org_rows(8)
    rows[0][0] = ""  # row 2: missing name
    rows[1][3] = "330822"  # row 3: county B (a partner there would name county A as its register)
    rows[2][6] = "2020/13/1"  # row 4: no such date
    rows[3][10] = "not-an-email"  # row 5
    rows[4][9] = "电话13800"  # row 6
    rows[5][2] = "公司"  # row 7: not an allowed kind
    rows[6][4] = "39"  # row 8: an industry division, not a class
    rows[7][1] = org_y.credit_code  # row 9: belongs to county B
    error = rejected(rows, staff_a)
    found = {(e.row, e.column): e.reason for e in error.errors}
    assert set(found) == {
        (2, "名称"),
        (3, "所在地"),
        (4, "成立日期"),
        (5, "电子邮箱"),
        (6, "联系电话"),
        (7, "类型"),
        (8, "行业代码"),
        (9, "统一社会信用代码"),
    }
    assert "必填" in found[(2, "名称")]
    assert "不在您管辖的县" in found[(3, "所在地")]
    assert "日期不存在" in found[(4, "成立日期")]
    assert "Email" in found[(5, "电子邮箱")] or "邮箱" in found[(5, "电子邮箱")]
    assert "电话号码" in found[(6, "联系电话")]
    assert "企业、高校" in found[(7, "类型")]
    assert "须填到小类" in found[(8, "行业代码")] and "大类" in found[(8, "行业代码")]
    assert "其他县" in found[(9, "统一社会信用代码")]
    assert [e.row for e in error.errors] == sorted(e.row for e in error.errors)
    assert error.rows == [2, 3, 4, 5, 6, 7, 8, 9]
    assert Organisation.objects.filter(name__startswith="导入测试企业").count() == 0


def test_duplicate_credit_codes_within_the_file(staff_a):
    rows = org_rows(3)
    rows[2][1] = rows[0][1]
    error = rejected(rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(4, "统一社会信用代码")]
    assert "与第 2 行重复" in error.errors[0].reason


def test_header_problems_are_reported_clearly(staff_a):
    header = [h for h in ORG_HEADER if h != "统一社会信用代码"] + ["备注", "名称"]
    rows = [r[:1] + r[2:] + ["x", "y"] for r in org_rows(2)]
    error = rejected(rows, staff_a, header)
    reasons = {e.column: e.reason for e in error.errors}
    assert all(e.row == 1 for e in error.errors)
    assert "缺少必填列" in reasons["统一社会信用代码"]
    assert "无法识别的列名" in reasons["备注"]
    assert "列名重复" in reasons["名称"]
    assert "表头" in error.message


def test_change_in_one_row_is_audited_with_before_and_after(staff_a):
    rows = org_rows(3)
    run(rows, staff_a)
    rows[1][7] = "华埠镇新地址 8 号"
    result = run(rows, staff_a)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    org = Organisation.objects.get(credit_code=rows[1][1])
    assert org.address == "华埠镇新地址 8 号"
    event = AuditEvent.objects.get(action="update", object_type=ORG)
    assert event.object_id == str(org.pk)
    assert event.user == staff_a
    assert event.before == {"address": "工业园区1号"}
    assert event.after == {"address": "华埠镇新地址 8 号"}


def test_region_by_code_or_name_and_messy_cells(staff_a, county_a):
    rows = org_rows(5)
    rows[0][3] = "华埠镇"  # a township of county A, by name
    rows[1][3] = 330824115.0  # the same township as a number
    rows[2][3] = "开化县"
    rows[3][3] = "330824115000"  # 12-digit statistical code
    rows[4][4] = "C3985"  # with its section letter
    rows[0][6] = dt.datetime(2019, 1, 2)
    rows[1][6] = "2019年1月2日"
    rows[2][6] = "2019/1/2"
    rows[0][0] = '\'=HYPERLINK("x")'  # came from one of our exports: the apostrophe is dropped
    rows[0][1] = " " + rows[0][1].lower() + " "
    result = run(rows, staff_a)
    assert result.created == 5
    orgs = {o.credit_code: o for o in Organisation.objects.all()}
    first = orgs[rows[0][1].strip().upper()]
    assert first.region_id == "330824115" and first.name == '=HYPERLINK("x")'
    assert orgs[rows[1][1]].region_id == "330824115"
    assert orgs[rows[2][1]].region_id == "330824"
    assert orgs[rows[3][1]].region_id == "330824115"
    assert {o.established_on for o in list(orgs.values())[:3]} == {dt.date(2019, 1, 2)}


def test_ambiguous_region_name_asks_for_the_code(reference):
    rows = org_rows(1, county="330212")
    rows[0][3] = "横溪镇"  # three townships of Zhejiang have this name
    error = rejected(rows, None)
    assert "多个行政区划" in error.errors[0].reason and "区划代码" in error.errors[0].reason


def test_omitted_optional_column_is_kept_empty_cell_clears(staff_a):
    rows = org_rows(2)
    run(rows, staff_a)
    header = [h for h in ORG_HEADER if h != "地址"]
    shorter = [r[:7] + r[8:] for r in rows]
    shorter[0][8] = ""  # 联系电话 cleared in the first row
    result = run(shorter, staff_a, header)
    assert (result.updated, result.unchanged) == (1, 1)
    first = Organisation.objects.get(credit_code=rows[0][1])
    assert first.address == "工业园区0号" and first.contact_phone == ""


def test_legacy_code_with_exception_can_be_reimported(staff_a, county_a):
    legacy = wrong_check_character(credit_code_for(77))
    OrganisationFactory(
        credit_code=legacy, credit_code_exception="1998 年登记的历史代码，已核实", region=county_a
    )
    rows = org_rows(1)
    rows[0][1] = legacy
    result = run(rows, staff_a)
    assert result.updated == 1


def test_cli_import_names_the_actor_and_may_write_anywhere(reference):
    token = audit.set_actor_label("命令行:tester")
    try:
        result = run(org_rows(2, county="330822"), None)
    finally:
        token.var.reset(token)
    assert result.created == 2
    assert set(AuditEvent.objects.values_list("username", flat=True)) == {"命令行:tester"}


def test_blank_rows_are_skipped_and_row_numbers_stay_true(staff_a):
    rows = org_rows(3)
    rows.insert(1, ["", None, "  ", "", "", "", "", "", "", "", ""])
    rows[3][1] = wrong_check_character(rows[3][1])  # now Excel row 5
    error = rejected(rows, staff_a)
    assert [e.row for e in error.errors] == [5]


def test_leader_may_not_import(leader_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(org_rows(1), leader_a)
    assert Organisation.objects.count() == 0
    assert AuditEvent.objects.filter(result=AuditEvent.Result.DENIED, user=leader_a).count() == 1


def test_title_row_above_the_header_is_skipped(staff_a):
    data = xlsx_bytes(["2024 年开化县企业名单"], [ORG_HEADER, *org_rows(2)])
    rows = org_rows(2)
    rows[1][1] = wrong_check_character(rows[1][1])
    result = services.import_file(register="organisations", file=data, by=staff_a, filename="a.xlsx")
    assert result.created == 2
    bad = xlsx_bytes(["2024 年开化县企业名单"], [[], ORG_HEADER, *rows])
    with pytest.raises(ImportRejected) as info:
        services.import_file(register="organisations", file=bad, by=staff_a, filename="a.xlsx")
    assert [e.row for e in info.value.errors] == [5]  # title row 1, blank row 2, header row 3


def test_data_under_a_column_without_header_is_reported(staff_a):
    rows = org_rows(3)
    rows[2] += ["", "备注：重点企业"]
    error = rejected(rows, staff_a)
    assert [(e.row, e.column) for e in error.errors] == [(1, "第 M 列")]
    assert "第 4 行" in error.errors[0].reason


@pytest.mark.django_db
def test_a_crash_in_the_middle_of_an_import_writes_nothing_and_is_audited(staff_a, county_a, monkeypatch):
    """Simulates the process failing after the rows were written but before the import finished
    (the audit write is the last step of the transaction): everything rolls back."""
    from kechuang.core import audit as audit_module
    from kechuang.core.models import AuditEvent, Organisation
    from kechuang.imports import services as import_services
    from tests.factories import credit_code_for

    rows = [[f"开化县中断测试{i}有限公司", credit_code_for(880_000 + i), "企业", "330824"] for i in range(50)]
    data = _crash_sheet(rows)
    real_record = audit_module.record

    def failing_record(action, **kwargs):
        if action == "import":
            raise RuntimeError("disk full")
        return real_record(action, **kwargs)

    monkeypatch.setattr(import_services.audit, "record", failing_record)
    before = Organisation.objects.count()
    with pytest.raises(RuntimeError):
        import_services.import_file(
            register="organisations", file=io.BytesIO(data), by=staff_a, filename="crash.xlsx"
        )
    assert Organisation.objects.count() == before
    assert not AuditEvent.objects.filter(action="create", object_type="core.organisation").exists()
    assert AuditEvent.objects.filter(action="import_failed", user=staff_a, result="failed").exists()


def _crash_sheet(rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["名称", "统一社会信用代码", "类型", "所在地"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
