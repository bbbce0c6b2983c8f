"""The CLI: template, import, export (run as `kechuang <command>` or `manage.py <command>`)."""

import getpass
import io

import pytest
from django.core.management import CommandError, call_command
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent, Organisation
from tests.imports.conftest import ORG_HEADER, org_rows, xlsx_bytes


def test_template_command(tmp_path, reference):
    path = tmp_path / "模板.xlsx"
    out = io.StringIO()
    call_command("template", "organisations", str(path), stdout=out)
    assert "已生成" in out.getvalue()
    book = CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_name("企业与机构").to_python()[0][:2] == ["名称", "统一社会信用代码"]


def test_import_command_and_its_audit_actor(tmp_path, reference):
    path = tmp_path / "企业.xlsx"
    path.write_bytes(xlsx_bytes(ORG_HEADER, org_rows(20, county="330822")))
    out = io.StringIO()
    call_command("import", "organisations", str(path), stdout=out)
    assert "新增 20 条，更新 0 条，未变 0 条" in out.getvalue()
    assert Organisation.objects.count() == 20
    summary = AuditEvent.objects.get(action="import")
    assert summary.user is None
    assert summary.username == f"命令行:{getpass.getuser()}"
    assert AuditEvent.objects.filter(action="create", username=summary.username).count() == 20


def test_rejected_import_exits_non_zero_with_the_report(tmp_path, reference):
    rows = org_rows(3)
    rows[1][1] = rows[1][1][:17] + ("0" if rows[1][1][17] != "0" else "1")
    path = tmp_path / "企业.xlsx"
    path.write_bytes(xlsx_bytes(ORG_HEADER, rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入失败：1 处错误"):
        call_command("import", "organisations", str(path), stderr=err)
    assert "第 3 行 【统一社会信用代码】" in err.getvalue() and "校验位错误" in err.getvalue()
    assert Organisation.objects.count() == 0
    event = AuditEvent.objects.get(action="import_rejected")
    assert event.result == AuditEvent.Result.FAILED and event.username.startswith("命令行:")


def test_import_command_refuses_a_missing_file(tmp_path, reference):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import", "organisations", str(tmp_path / "nope.xlsx"))


def test_unknown_register(tmp_path, reference):
    with pytest.raises(CommandError):
        call_command("export", "nothing", str(tmp_path / "x.xlsx"))


def test_export_command(tmp_path, org_x, org_y):
    path = tmp_path / "导出.xlsx"
    call_command("export", "organisations", str(path), stdout=io.StringIO())
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("企业与机构").to_python()
    assert {r[0] for r in rows[1:]} == {org_x.name, org_y.name}
    assert AuditEvent.objects.get(action="export").username.startswith("命令行:")
