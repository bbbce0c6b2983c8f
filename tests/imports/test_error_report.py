"""The error report: at most 200 errors on screen and in the CLI, with the count, and the full report
as an Excel file (the uploaded rows, bad cells in red, an error column) for the one who uploaded."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from kechuang.core.models import Organisation
from kechuang.imports import error_reports
from kechuang.imports.registers import ERROR_COLUMN
from tests.conftest import client_for
from tests.imports.conftest import ORG_HEADER, org_rows, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RED = "FFC7CE"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def bad_file(n_bad=250, n_good=5):
    """n_bad rows whose credit code has a wrong check digit, then n_good good ones."""
    rows = org_rows(n_bad + n_good)
    for row in rows[:n_bad]:
        row[1] = row[1][:17] + ("0" if row[1][17] != "0" else "1")
    return xlsx_bytes(ORG_HEADER, rows)


def upload(client, data):
    return client.post(
        reverse("imports:upload"),
        {"register": "organisations", "file": SimpleUploadedFile("企业名单.xlsx", data, content_type=XLSX)},
    )


def report_url(html):
    match = re.search(r'href="([^"]*/errors/[0-9a-f]{32}/)"', html)
    assert match, "no download link"
    return match.group(1)


def test_the_page_lists_200_errors_with_the_count(staff_a):
    response = upload(client_for(staff_a), bad_file(250))
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('<td class="num">') == 200
    assert "共 250 处错误，仅显示前 200 处。" in html
    assert '<td class="num">201</td>' in html and '<td class="num">202</td>' not in html
    assert Organisation.objects.count() == 0  # all or nothing: the 5 good rows are not written


def test_a_short_report_says_nothing_about_truncation(staff_a):
    html = upload(client_for(staff_a), bad_file(3)).content.decode()
    assert html.count('<td class="num">') == 3 and "仅显示前" not in html


def test_the_full_report_downloads_with_the_bad_cells_marked(staff_a):
    client = client_for(staff_a)
    url = report_url(upload(client, bad_file(250)).content.decode())
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "%E9%94%99%E8%AF%AF%E6%8A%A5%E5%91%8A" in response["Content-Disposition"]  # 错误报告
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    data, listing = book["企业与机构"], book["错误清单"]
    header = [c.value for c in data[1]]
    assert header == [*ORG_HEADER, ERROR_COLUMN]
    code, error_col = ORG_HEADER.index("统一社会信用代码") + 1, len(header)
    # Rows at their own row numbers; every bad credit code red with its reason, the good rows plain.
    for row in (2, 100, 251):
        cell = data.cell(row, code)
        assert cell.fill.fgColor.rgb.endswith(RED), row
        assert "校验位" in data.cell(row, error_col).value
    assert data.cell(2, 1).value == "导入测试企业00000"
    assert data.cell(2, code).comment is not None and "校验位" in data.cell(2, code).comment.text
    for row in (252, 256):
        assert not data.cell(row, code).fill.fgColor.rgb.endswith(RED)
        assert data.cell(row, error_col).value is None
    assert data.max_row == 256
    assert listing.max_row == 251  # a title row and all 250 errors
    assert [c.value for c in listing[2]][:2] == [2, "统一社会信用代码"]


def test_the_fixed_report_can_be_uploaded_again(staff_a):
    """Fix the red cells of the report and upload it: its error column is ignored."""
    client = client_for(staff_a)
    url = report_url(upload(client, bad_file(3, n_good=2)).content.decode())
    book = openpyxl.load_workbook(io.BytesIO(client.get(url).content))
    sheet = book["企业与机构"]
    good = org_rows(5)
    for row in range(2, 5):
        sheet.cell(row, 2).value = good[row - 2][1]
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 200, response.content.decode()[-3000:]
    assert "新增 5 条" in response.content.decode()


def test_nobody_else_gets_the_report(staff_a, staff_b, leader_a, enterprise_x, outsider, client):
    url = report_url(upload(client_for(staff_a), bad_file(3)).content.decode())
    for other in (staff_b, leader_a, enterprise_x, outsider):
        assert client_for(other).get(url).status_code == 404, other
    response = client.get(url)
    assert response.status_code == 302  # anonymous: to the login page
    own = client_for(staff_a)
    for token in ("0" * 32, "..%2F..%2Fsecret", url.split("/")[-2].upper()):
        assert own.get(reverse("imports:error_report", args=[token])).status_code == 404
    assert own.get(url).status_code == 200


def test_a_revoked_importer_no_longer_downloads(staff_a):
    client = client_for(staff_a)
    url = report_url(upload(client, bad_file(3)).content.decode())
    staff_a.roles.all().delete()
    assert client.get(url).status_code == 403


def test_a_file_refused_as_a_whole_has_no_report(staff_a, settings):
    settings.IMPORT_MAX_ROWS = 10
    html = upload(client_for(staff_a), bad_file(30)).content.decode()
    assert "文件超过 10 行" in html and "/errors/" not in html


def test_old_reports_are_pruned(staff_a, media):
    import datetime as dt
    import os

    token = error_reports.save(user=staff_a, register="organisations", filename="a.xlsx", errors=1, data=b"x")
    stored = error_reports.find(user=staff_a, token=token)
    assert stored is not None
    old = (dt.datetime.now() - dt.timedelta(days=8)).timestamp()
    os.utime(stored.path, (old, old))
    os.utime(stored.path.with_suffix(".json"), (old, old))
    assert error_reports.prune() == 2
    assert error_reports.find(user=staff_a, token=token) is None


def test_the_cli_lists_200_and_writes_the_full_report(tmp_path, reference):
    path = tmp_path / "企业.xlsx"
    path.write_bytes(bad_file(250))
    report = tmp_path / "错误.xlsx"
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入失败：250 处错误"):
        call_command("import", "organisations", str(path), "--errors", str(report), stderr=err)
    lines = err.getvalue().splitlines()
    assert sum(1 for line in lines if line.startswith("  第 ")) == 200
    assert "共 250 处错误，仅显示前 200 处。" in lines
    assert any("完整错误报告已写入" in line for line in lines)
    book = openpyxl.load_workbook(report)
    assert book["错误清单"].max_row == 251
    assert book["企业与机构"].cell(2, 2).fill.fgColor.rgb.endswith(RED)
    assert Organisation.objects.count() == 0


def test_the_cli_without_errors_file_says_how(tmp_path, reference):
    path = tmp_path / "企业.xlsx"
    path.write_bytes(bad_file(201))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "organisations", str(path), stderr=err)
    assert "加 --errors 错误报告.xlsx 可导出全部错误。" in err.getvalue()
