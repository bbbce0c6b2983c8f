"""Templates come from the register declarations: headers, help, drop-down lists, 说明 sheet."""

import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kechuang.imports import services
from kechuang.imports.registers import REGISTERS
from kechuang.imports.report import ImportRejected
from tests.imports.conftest import ORG_HEADER


@pytest.mark.parametrize("slug", sorted(REGISTERS))
def test_template_headers_and_sheets(slug):
    register = REGISTERS[slug]
    data = services.template_bytes(register)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == [register.label, "说明", "选项"]
    rows = book.get_sheet_by_name(register.label).to_python()
    assert rows[0] == [c.label for c in register.template_columns]
    assert len(rows) == 1  # headers only
    help_text = str(book.get_sheet_by_name("说明").to_python())
    for column in register.template_columns:
        assert column.label in help_text
    assert "全部成功" in help_text


def test_organisation_template_has_validation_comments_and_frozen_header():
    data = services.template_bytes("organisations")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["企业与机构"]
    headers = [c.value for c in sheet[1]]
    assert headers == ORG_HEADER
    assert sheet.freeze_panes == "A2"
    assert book["选项"].sheet_state == "hidden"

    lists = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list":
            lists[str(validation.sqref).split(":")[0]] = validation.formula1
    # 类型 (column C) and 规模 (column F) offer their Chinese labels from the hidden options sheet.
    assert set(lists) == {"C2", "F2"}
    options = book["选项"]
    kind_values = [c.value for c in options["A"] if c.value][1:]
    assert kind_values == [
        "企业", "高校", "科研院所", "县级部门", "开发区管委会", "上级主管部门", "农民专业合作社", "服务机构", "其他",
    ]  # fmt: skip
    assert "选项" in lists["C2"] and "$A$2:$A$10" in lists["C2"]
    assert [c.value for c in options["B"] if c.value][1:] == ["大型", "中型", "小型", "微型"]

    # Required columns say so in their comment; every column has help.
    assert sheet["A1"].comment.text.startswith("名称：【必填】")
    assert "校验位" in sheet["B1"].comment.text
    assert "区划代码" in sheet["D1"].comment.text
    assert sheet["E1"].comment is not None and "3985" in sheet["E1"].comment.text
    assert sheet.column_dimensions["A"].width > 20


def test_people_template_offers_yes_no_lists():
    data = services.template_bytes("people")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["专家与人员"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["姓名", "手机", "性别", "所属县"]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 5  # 性别 and the four 是/否 flags
    options = book["选项"]
    assert [c.value for c in options["B"] if c.value] == ["专家", "是", "否"]


def test_importing_the_empty_template_says_there_are_no_rows(staff_a):
    with pytest.raises(ImportRejected) as info:
        services.import_file(
            register="organisations",
            file=services.template_bytes("organisations"),
            by=staff_a,
            filename="t.xlsx",
        )
    assert "没有数据行" in info.value.errors[0].reason
