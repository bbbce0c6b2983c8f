"""Dangerous or wrong files are refused before any parser sees them, and the refusal is audited."""

import io
import zipfile

import pytest

from kechuang.core.models import AuditEvent, Organisation
from kechuang.imports import excel, guards, services
from kechuang.imports.report import ImportRejected
from tests.imports.conftest import ORG_HEADER, org_rows, xlsx_bytes


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if the sheet reader is reached: refusals must come before parsing."""

    def boom(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(excel, "read_table", boom)
    monkeypatch.setattr(excel.CalamineWorkbook, "from_filelike", boom)


def refuse(data, staff, name="企业.xlsx"):
    with pytest.raises(ImportRejected) as info:
        services.import_file(register="organisations", file=io.BytesIO(data), by=staff, filename=name)
    assert len(info.value.errors) == 1
    error = info.value.errors[0]
    assert error.row is None
    return error.reason


def zip_bomb(megabytes=150, *, with_workbook=True):
    """A real zip whose one big entry is `megabytes` MB of zeros (about 0.7 MB on disk), written
    in a streaming way so the test stays fast."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        if with_workbook:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                entry.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_parsing(staff_a, no_parsing):
    data = zip_bomb(150)
    assert len(data) < 2 * 1024 * 1024
    reason = refuse(data, staff_a)
    assert "压缩比" in reason and "100:1" in reason
    assert Organisation.objects.count() == 0
    event = AuditEvent.objects.get(action="import_rejected")
    assert event.result == AuditEvent.Result.FAILED
    assert event.user == staff_a
    assert "压缩比" in event.detail


def test_bare_zip_bomb_is_refused_as_a_bomb(staff_a, no_parsing):
    assert "压缩炸弹" in refuse(zip_bomb(120, with_workbook=False), staff_a)


def test_too_much_uncompressed_data(staff_a, settings, no_parsing):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    settings.IMPORT_MAX_RATIO = 10_000
    reason = refuse(zip_bomb(2), staff_a)
    assert "解压后" in reason and "1 MB" in reason


def test_too_many_zip_entries(staff_a, no_parsing):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(1001):
            archive.writestr(f"xl/e{i}.xml", "")
    reason = refuse(buffer.getvalue(), staff_a)
    assert "1002" in reason and "1000" in reason


def test_file_over_size_limit(staff_a, settings, no_parsing):
    settings.IMPORT_MAX_FILE_BYTES = 1024  # instead of writing 20 MB
    data = xlsx_bytes(ORG_HEADER, org_rows(5))
    assert len(data) > 1024
    reason = refuse(data, staff_a)
    assert "超过上限 1 KB" in reason


def test_default_limits_match_the_issue(settings):
    assert settings.IMPORT_MAX_FILE_BYTES == 20 * 1024 * 1024
    assert settings.IMPORT_MAX_UNCOMPRESSED_BYTES == 200 * 1024 * 1024
    assert settings.IMPORT_MAX_RATIO == 100
    assert settings.IMPORT_MAX_ZIP_ENTRIES == 1000


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("名称,统一社会信用代码\n甲,1\n".encode(), "企业.csv"),
        ("名称,统一社会信用代码\n甲,1\n".encode(), "企业.xlsx"),  # a CSV renamed to .xlsx
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "企业.xlsx"),  # an old .xls
        (b"PK\x03\x04 broken zip", "企业.xlsx"),
        (b"", "企业.xlsx"),
    ],
)
def test_not_xlsx_is_refused(staff_a, no_parsing, data, name):
    reason = refuse(data, staff_a, name)
    assert ".xlsx" in reason or "空" in reason


def test_other_zip_documents_are_refused(staff_a, no_parsing):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:  # shaped like a .docx
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert "请上传 .xlsx 文件" in refuse(buffer.getvalue(), staff_a)


def test_human_size():
    assert guards.human_size(20 * 1024 * 1024) == "20 MB"
    assert guards.human_size(int(1.5 * 1024 * 1024)) == "1.5 MB"
    assert guards.human_size(2048) == "2 KB"


def test_a_normal_workbook_passes():
    data = xlsx_bytes(ORG_HEADER, org_rows(200))
    guards.check_upload(io.BytesIO(data), name="企业.xlsx")  # no exception
