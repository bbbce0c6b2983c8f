"""Imports are bounded while they read: rows, columns and the header are checked while the sheet streams
out of the archive, before calamine holds it in memory; hidden sheets are never imported."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from kechuang.core.models import AuditEvent, Organisation
from kechuang.imports import excel, services
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from kechuang.rnd.models import RndProject
from tests.conftest import client_for
from tests.imports.conftest import (
    ORG_HEADER,
    org_rows,
    raw_xlsx,
    sheet_xml,
    with_dimension,
    xlsx_bytes,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def unparsed(monkeypatch):
    """Fail the test if calamine opens the file: these refusals must come while streaming."""

    def boom(*args, **kwargs):
        raise AssertionError("calamine read the sheet")

    monkeypatch.setattr(excel.CalamineWorkbook, "from_filelike", boom)


@pytest.fixture
def small_limit(settings):
    settings.IMPORT_MAX_ROWS = 100
    return 100


def refusal(data, by, register="organisations"):
    with pytest.raises(ImportRejected) as info:
        services.import_file(register=register, file=io.BytesIO(data), by=by, filename="上传.xlsx")
    return info.value


def upload(client, data, register="organisations"):
    return client.post(
        reverse("imports:upload"),
        {"register": register, "file": SimpleUploadedFile("上传.xlsx", data, content_type=XLSX)},
    )


# --- rows ------------------------------------------------------------------------------------------


def test_too_many_rows_refused_while_streaming(staff_a, small_limit, unparsed):
    error = refusal(xlsx_bytes(ORG_HEADER, org_rows(150)), staff_a)
    assert error.file_level
    reason = error.errors[0].reason
    assert reason.startswith("文件超过 100 行（单次导入上限）")
    assert "工作表“企业与机构”第 111 行仍有数据" in reason  # 100 rows + room for a title row or two
    assert Organisation.objects.count() == 0
    assert AuditEvent.objects.get(action="import_rejected").detail.startswith("文件未导入：文件超过 100 行")


@pytest.mark.parametrize("dimension", ["A1:K2", "A1", None])
def test_a_lying_or_missing_dimension_changes_nothing(staff_a, small_limit, unparsed, dimension):
    data = with_dimension(xlsx_bytes(ORG_HEADER, org_rows(150)), dimension)
    assert "文件超过 100 行" in refusal(data, staff_a).errors[0].reason


def test_just_over_the_limit_is_refused_by_the_exact_count(staff_a, small_limit):
    """Inside the streaming room (a title row or two) the rows are counted once read."""
    reason = refusal(xlsx_bytes(ORG_HEADER, org_rows(105)), staff_a).errors[0].reason
    assert reason == "文件超过 100 行：共有 105 行数据，超过单次导入上限，请分批导入。"


def test_at_the_limit_imports(staff_a, small_limit):
    result = services.import_file(
        register="organisations", file=xlsx_bytes(ORG_HEADER, org_rows(100)), by=staff_a
    )
    assert result.created == 100


def test_rows_without_references_are_placed_and_counted(staff_a, small_limit, unparsed):
    """Cells and rows without r attributes (some streaming writers) are read by the exact pass."""
    rows = [ORG_HEADER] + org_rows(120)
    data = raw_xlsx([("企业与机构", "visible", sheet_xml(rows, refs=False))])
    assert "第 111 行仍有数据" in refusal(data, staff_a).errors[0].reason


def test_rows_without_references_within_the_limit_import(staff_a, small_limit):
    rows = [ORG_HEADER] + org_rows(3)
    data = raw_xlsx([("企业与机构", "visible", sheet_xml(rows, refs=False))])
    assert services.import_file(register="organisations", file=data, by=staff_a).created == 3


def test_formatting_far_below_the_data_is_not_data(staff_a, small_limit):
    """Styled empty cells (borders drawn down to row 5000) hold no value: calamine skips them, so the
    streaming check does too."""
    rows = [ORG_HEADER] + org_rows(3)
    styled = "".join(f'<row r="{n}"><c r="A{n}" s="1"/><c r="K{n}" s="1"/></row>' for n in range(5, 5001))
    data = raw_xlsx([("企业与机构", "visible", sheet_xml(rows) + styled)])
    assert services.import_file(register="organisations", file=data, by=staff_a).created == 3


def test_a_far_cell_out_of_order_is_found(staff_a, small_limit, unparsed):
    """Rows and cells in any order: the bound is on every cell, not on the last one seen."""
    rows = [ORG_HEADER] + org_rows(3)
    far = '<row r="3000"><c r="A3000" t="inlineStr"><is><t>x</t></is></c></row>'
    data = raw_xlsx([("企业与机构", "visible", far + sheet_xml(rows))])
    assert "第 3,000 行仍有数据" in refusal(data, staff_a).errors[0].reason


# --- columns ---------------------------------------------------------------------------------------


def test_a_16384_column_sheet_is_one_clear_error(staff_a, unparsed):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "企业与机构"
    ws.append(ORG_HEADER + [f"列{i}" for i in range(16_384 - len(ORG_HEADER))])
    for row in org_rows(3):
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    error = refusal(buffer.getvalue(), staff_a)
    assert len(error.errors) == 1
    # 14 columns (登记县 included) and room for 10 more.
    assert error.errors[0].reason.startswith("文件超过 24 列：工作表“企业与机构”第 Y 列（第 1 行）仍有数据")
    assert "“企业与机构”只有 14 列" in error.errors[0].reason


def test_two_cells_far_apart_never_reach_calamine(staff_a, unparsed):
    """A1 and XFD20000: a file of a few hundred bytes that made calamine ask for 10 GB."""
    xml = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
        '<row r="20000"><c r="XFD20000"><v>1</v></c></row>'
    )
    reason = refusal(raw_xlsx([("企业与机构", "visible", xml)]), staff_a).errors[0].reason
    assert "列" in reason and "第 XFD 列（第 20,000 行）" in reason


def test_a_cell_hidden_behind_another_attribute_is_found(staff_a, unparsed):
    """`<c t="n" r="…">` is not the form the fast pass reads: the exact pass places it."""
    xml = sheet_xml([ORG_HEADER]) + '<row r="2"><c t="n" r="AZ2"><v>1</v></c></row>'
    assert (
        "第 AZ 列（第 2 行）" in refusal(raw_xlsx([("企业与机构", "visible", xml)]), staff_a).errors[0].reason
    )


def test_a_few_unknown_columns_are_reported_as_header_errors(staff_a, unparsed):
    error = refusal(xlsx_bytes(ORG_HEADER + ["备注", "附件"], org_rows(2)), staff_a)
    assert error.message == "文件未导入：表头有 2 处问题，请使用本系统下载的模板。"
    assert [e.column for e in error.errors] == ["备注", "附件"]


def test_a_wrong_header_is_refused_before_the_sheet_is_read(staff_a, small_limit, unparsed):
    rows = [[f"{i}", i] for i in range(90)]
    error = refusal(xlsx_bytes(["统一社会信用代码", "年度"], rows), staff_a)
    assert "表头有" in error.message
    assert {e.column for e in error.errors} >= {"名称", "所在地"}  # required columns missing


# --- hidden sheets -----------------------------------------------------------------------------------


def hidden_book(*sheets):
    """(title, state, rows) sheets with ORG_HEADER, written by openpyxl as Excel would."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        ws = book.create_sheet(title)
        ws.sheet_state = state
        ws.append(ORG_HEADER)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_hidden_data_sheet_is_refused(staff_a, unparsed):
    data = hidden_book(("企业与机构", "hidden", org_rows(5)), ("Sheet1", "visible", org_rows(1, start=9)))
    reason = refusal(data, staff_a).errors[0].reason
    assert reason.startswith("工作表“企业与机构”是隐藏的，系统不导入隐藏的工作表")
    assert Organisation.objects.count() == 0


def test_a_very_hidden_sheet_is_refused_too(staff_a, unparsed):
    data = hidden_book(("企业与机构", "veryHidden", org_rows(5)), ("Sheet1", "visible", []))
    assert "是隐藏的" in refusal(data, staff_a).errors[0].reason


def test_a_hidden_first_sheet_is_not_imported(staff_a):
    """The visible sheet is imported, never the hidden one in front of it."""
    data = hidden_book(("Sheet2", "hidden", org_rows(5)), ("Sheet1", "visible", org_rows(1, start=9)))
    result = services.import_file(register="organisations", file=data, by=staff_a)
    assert result.created == 1
    assert list(Organisation.objects.values_list("name", flat=True)) == ["导入测试企业00009"]


def test_the_data_sheet_must_be_the_first_visible_one(staff_a, unparsed):
    data = hidden_book(("封面", "visible", []), ("企业与机构", "visible", org_rows(2)))
    reason = refusal(data, staff_a).errors[0].reason
    assert reason.startswith("文件中第一个可见的工作表是“封面”，而要导入的“企业与机构”在它后面")


def test_only_hidden_sheets(staff_a, unparsed):
    xml = sheet_xml([ORG_HEADER])
    data = raw_xlsx([("数据", "hidden", xml), ("说明", "visible", xml)])
    assert refusal(data, staff_a).errors[0].reason.startswith("文件中没有可见的工作表")


def test_the_template_with_its_hidden_options_sheet_imports(staff_a):
    book = openpyxl.load_workbook(io.BytesIO(services.template_bytes("organisations")))
    assert book["选项"].sheet_state == "hidden"
    ws = book["企业与机构"]
    header = [c.value for c in ws[1]]
    row = dict(zip(ORG_HEADER, org_rows(1)[0], strict=False))  # 登记县 left blank
    ws.append([row.get(label) for label in header])
    buffer = io.BytesIO()
    book.save(buffer)
    assert services.import_file(register="organisations", file=buffer.getvalue(), by=staff_a).created == 1


# --- every path: page, CLI, an enterprise through an R&D register ------------------------------------


def test_the_page_refuses_them(staff_a, small_limit, unparsed):
    client = client_for(staff_a)
    cases = [
        (xlsx_bytes(ORG_HEADER, org_rows(150)), "文件超过 100 行"),
        (hidden_book(("企业与机构", "hidden", org_rows(2)), ("Sheet1", "visible", [])), "是隐藏的"),
        (xlsx_bytes([*ORG_HEADER, *["x"] * 40], org_rows(1)), "文件超过 24 列"),
    ]
    for data, text in cases:
        response = upload(client, data)
        assert response.status_code == 422
        assert text in response.content.decode()
    assert Organisation.objects.count() == 0
    assert AuditEvent.objects.filter(action="import_rejected", user=staff_a).count() == 3


def test_the_cli_refuses_them(tmp_path, reference, small_limit, unparsed):
    cases = [
        (xlsx_bytes(ORG_HEADER, org_rows(150)), "文件超过 100 行"),
        (hidden_book(("企业与机构", "hidden", org_rows(2)), ("Sheet1", "visible", [])), "是隐藏的"),
        (xlsx_bytes([*ORG_HEADER, *["x"] * 40], org_rows(1)), "文件超过 24 列"),
    ]
    for i, (data, text) in enumerate(cases):
        path = tmp_path / f"f{i}.xlsx"
        path.write_bytes(data)
        err = io.StringIO()
        with pytest.raises(CommandError, match="导入失败：1 处错误"):
            call_command("import", "organisations", str(path), stderr=err)
        assert text in err.getvalue()
    assert Organisation.objects.count() == 0


def rnd_project_rows(n, org):
    return [[org.credit_code, f"RD-{i:05d}", f"项目{i}", "自主研发", "2025-01-01", "2025-12-31", 1000, 2, ""]
            for i in range(n)]  # fmt: skip


def test_an_enterprise_is_bounded_through_the_rnd_register(enterprise_x, org_x, small_limit, monkeypatch):
    register = REGISTERS["rnd_projects"]
    header = [c.label for c in register.template_columns]
    client = client_for(enterprise_x)
    # Within the limit the enterprise imports its own projects (the page reads the file with calamine).
    response = upload(
        client, xlsx_bytes(header, rnd_project_rows(3, org_x), sheet="研发项目"), "rnd_projects"
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert RndProject.objects.filter(organisation=org_x).count() == 3

    def boom(*args, **kwargs):
        raise AssertionError("calamine read the sheet")

    monkeypatch.setattr(excel.CalamineWorkbook, "from_filelike", boom)
    cases = [
        (xlsx_bytes(header, rnd_project_rows(150, org_x), sheet="研发项目"), "文件超过 100 行"),
        (with_dimension(xlsx_bytes(header, rnd_project_rows(150, org_x), sheet="研发项目"), "A1:I2"), "文件超过 100 行"),
        (xlsx_bytes([*header, *["x"] * 30], rnd_project_rows(1, org_x), sheet="研发项目"), "文件超过 20 列"),
    ]  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(cases[0][0]))
    book.create_sheet("Sheet1", 0)
    book["研发项目"].sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    cases.append((buffer.getvalue(), "工作表“研发项目”是隐藏的"))
    for data, text in cases:
        response = upload(client, data, "rnd_projects")
        assert response.status_code == 422
        assert text in response.content.decode()
    assert RndProject.objects.filter(organisation=org_x).count() == 3


# --- broken files ----------------------------------------------------------------------------------


def test_a_broken_sheet_is_refused_as_unreadable(staff_a):
    data = raw_xlsx([("企业与机构", "visible", '<row r="1"><c r="A1"><v>1</v></row>')])  # <c> never closed
    assert refusal(data, staff_a).errors[0].reason.startswith("无法读取该 Excel 文件")


def test_corrupt_compressed_data_is_refused_as_unreadable(staff_a):
    import zipfile

    data = bytearray(xlsx_bytes(ORG_HEADER, org_rows(300)))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 200, start + 260):
        data[i] ^= 0x5A
    error = refusal(bytes(data), staff_a)
    assert error.errors[0].reason.startswith("无法读取该 Excel 文件")
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize("target", ["worksheets/../worksheets/sheet1.xml", "worksheets\\\\sheet1.xml"])
def test_a_sheet_target_readers_resolve_differently_is_refused(staff_a, unparsed, target):
    """The part streamed must be the very one calamine reads: no "..", no backslash."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(ORG_HEADER, org_rows(2))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"/xl/worksheets/sheet1.xml", target.encode())
                assert target.encode() in content
            archive.writestr(info, content)
    assert refusal(out.getvalue(), staff_a).errors[0].reason.startswith("无法读取该 Excel 文件")


def test_two_sheets_of_one_name_are_refused(staff_a, unparsed):
    xml = sheet_xml([ORG_HEADER])
    data = raw_xlsx([("企业与机构", "hidden", xml), ("企业与机构", "visible", xml)])
    assert refusal(data, staff_a).errors[0].reason.startswith("无法读取该 Excel 文件")
