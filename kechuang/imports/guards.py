"""Refuse a dangerous or wrong upload before any parser sees it.

An .xlsx file is a zip archive. Only its central directory is read here (zipfile.infolist()): nothing
is decompressed, so a zip bomb costs nothing to refuse. Limits come from settings (IMPORT_*)."""

from __future__ import annotations

import os
import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from .report import ImportRejected

# Every .xlsx archive holds the content-types part and its workbook under xl/; a .docx, a plain .zip
# or a renamed file does not.
CONTENT_TYPES = "[Content_Types].xml"
# Old .xls files and password-protected .xlsx files are OLE compound documents, not zip archives.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def human_size(n: int | float) -> str:
    """20971520 → "20 MB", 2048 → "2 KB"."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(n, 1) / 1024:.1f}".removesuffix(".0") + " KB"


def too_large(size: int | None = None) -> ImportRejected:
    limit = human_size(settings.IMPORT_MAX_FILE_BYTES)
    if size is None:
        return ImportRejected.file(_("文件超过上限 %(limit)s。") % {"limit": limit})
    return ImportRejected.file(
        _("文件大小为 %(size)s，超过上限 %(limit)s。") % {"size": human_size(size), "limit": limit}
    )


def file_size(file: IO[bytes]) -> int:
    position = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(position)
    return size


def check_upload(file: IO[bytes], *, name: str = "") -> None:
    """Raise ImportRejected (one file-level error, in Chinese) unless the file is an acceptable .xlsx."""
    not_xlsx = _(
        "请上传 .xlsx 文件（Excel 2007 及以上格式；.xls、.csv、.xlsm 等请先在 Excel 中另存为 .xlsx）。"
    )
    if name and not name.lower().endswith(".xlsx"):
        raise ImportRejected.file(not_xlsx)
    size = file_size(file)
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise too_large(size)
    if size == 0:
        raise ImportRejected.file(_("文件是空的。"))
    file.seek(0)
    if file.read(8) == OLE_SIGNATURE:
        file.seek(0)
        raise ImportRejected.file(
            _("这是旧版 .xls 文件或加密的 Excel 文件：请在 Excel 中取消密码保护并另存为 .xlsx 后再上传。")
        )
    file.seek(0)
    try:
        if not zipfile.is_zipfile(file):
            raise ImportRejected.file(not_xlsx)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ImportRejected.file(not_xlsx) from None
    finally:
        file.seek(0)

    max_entries = settings.IMPORT_MAX_ZIP_ENTRIES
    if len(infos) > max_entries:
        raise ImportRejected.file(
            _("文件内含 %(n)d 个压缩条目，超过上限 %(limit)d 个，疑似异常文件，已拒绝。")
            % {"n": len(infos), "limit": max_entries}
        )
    total = sum(info.file_size for info in infos)
    max_total = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    if total > max_total:
        raise ImportRejected.file(
            _("文件解压后为 %(size)s，超过上限 %(limit)s，疑似压缩炸弹，已拒绝。")
            % {"size": human_size(total), "limit": human_size(max_total)}
        )
    max_ratio = settings.IMPORT_MAX_RATIO
    if total > size * max_ratio:
        raise ImportRejected.file(
            _("文件压缩比为 %(ratio)d:1，超过上限 %(limit)d:1，疑似压缩炸弹，已拒绝。")
            % {"ratio": total // size, "limit": max_ratio}
        )

    names = {info.filename for info in infos}
    if CONTENT_TYPES not in names or not any(n.startswith("xl/") for n in names):
        raise ImportRejected.file(not_xlsx)
    if any(info.flag_bits & 0x1 for info in infos):
        raise ImportRejected.file(_("文件已加密，请在 Excel 中取消密码保护后再上传。"))
    if any(info.compress_type not in SUPPORTED_COMPRESSION for info in infos):
        raise ImportRejected.file(not_xlsx)
