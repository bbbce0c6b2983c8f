"""Excel files from a register's declaration: the template and the export are one workbook layout
(written with XlsxWriter), and uploads are read with python-calamine.

One writer for both means an export is always a valid template: same headers, same drop-down lists,
same 说明 sheet, so a user can export, edit and import the file back. XlsxWriter is told never to turn
strings into formulas, URLs or numbers, and every text cell that begins with = + - @ tab or CR is
written with a leading apostrophe (CSV/formula injection, OWASP), so the export is safe to open."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from . import cells, sheets
from .guards import human_size
from .registers import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    ERROR_COLUMN,
    HEADER_SEARCH_ROWS,
    INDUSTRY,
    INT,
    REF_ORGANISATION,
    REGION,
    TEXT,
    Column,
    Register,
    Table,
    header_label,
)
from .report import ImportRejected, RowError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HELP_SHEET = "说明"
OPTIONS_SHEET = "选项"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LAST_ROW = 1_048_575  # the last row index of a worksheet (0-based)
TEXT_FORMAT_TYPES = (TEXT, REGION, INDUSTRY, REF_ORGANISATION)
MAX_FLOAT_EXACT = Decimal(10) ** 15


def neutralise(value: str) -> str:
    """Make a text cell inert: a leading = + - @ tab or CR gets an apostrophe in front of it."""
    return "'" + value if value.startswith(DANGEROUS_PREFIXES) else value


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        base = {"font_name": "等线", "font_size": 11, "valign": "vcenter"}
        header = {**base, "bold": True, "border": 1, "align": "center", "text_wrap": True}
        self.required = book.add_format({**header, "bg_color": "#FCE4D6", "font_color": "#9C0006"})
        self.optional = book.add_format({**header, "bg_color": "#DDEBF7"})
        self.readonly = book.add_format(
            {**header, "bg_color": "#EDEDED", "font_color": "#595959", "italic": True}
        )
        self.text = book.add_format({**base, "num_format": "@"})
        self.cell = book.add_format(base)
        self.date = book.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.title = book.add_format({**base, "bold": True, "font_size": 14})
        self.wrap = book.add_format({**base, "text_wrap": True, "valign": "top"})
        self.th = book.add_format({**base, "bold": True, "border": 1, "bg_color": "#DDEBF7"})
        self.td = book.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})


def _write_value(sheet: Any, row: int, col: int, value: Any, fmt: _Formats, column: Column | None) -> None:
    """Write one cell by its Python type; text always as a string, never a formula."""
    numeric = column is None or column.type in (INT, DECIMAL)
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", fmt.cell)
    elif isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        sheet.write_datetime(row, col, value, fmt.date)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt.date)
    elif isinstance(value, int | float) and numeric and abs(value) < MAX_FLOAT_EXACT:
        sheet.write_number(row, col, value, fmt.cell)
    elif isinstance(value, Decimal) and numeric and abs(value) < MAX_FLOAT_EXACT:
        sheet.write_number(row, col, float(value), fmt.cell)
    else:
        text = neutralise(str(value))
        as_text = column is not None and column.type in TEXT_FORMAT_TYPES
        sheet.write_string(row, col, text, fmt.text if as_text else fmt.cell)


def _new_book(output: IO[bytes]) -> xlsxwriter.Workbook:
    # Never let a string become a formula, a hyperlink or a number.
    return xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )


def build_workbook(register: Register, rows: Iterable[list[Any]] | None = None) -> bytes:
    """The register's workbook: the template when `rows` is None, an export otherwise."""
    exporting = rows is not None
    columns = register.export_columns if exporting else register.template_columns
    output = io.BytesIO()
    book = _new_book(output)
    fmt = _Formats(book)
    data = book.add_worksheet(register.sheet_name)
    help_sheet = book.add_worksheet(HELP_SHEET)
    options = book.add_worksheet(OPTIONS_SHEET)

    # Header, widths, help comments and drop-down lists.
    options_col = 0
    data.set_row(0, 30)
    for col, column in enumerate(columns):
        header_format = fmt.readonly if column.readonly else fmt.required if column.required else fmt.optional
        data.write_string(0, col, column.label, header_format)
        data.set_column(col, col, column.width, fmt.text if column.type in TEXT_FORMAT_TYPES else None)
        if column.type == DATE:
            data.set_column(col, col, column.width, fmt.date)
        note = _("仅供查看，导入时忽略。") if column.readonly else column.describe()
        if column.required:
            note = _("【必填】") + note
        if note:
            data.write_comment(
                0, col, f"{column.label}：{note}", {"x_scale": 2, "y_scale": 1.5, "author": "科创"}
            )
        if column.type in (CHOICE, BOOL) and not column.readonly:
            choices = column.options
            options.write_string(0, options_col, column.label)
            for i, option in enumerate(choices, start=1):
                options.write_string(i, options_col, option)
            letter = xlsxwriter.utility.xl_col_to_name(options_col)
            data.data_validation(
                1,
                col,
                LAST_ROW,
                col,
                {
                    "validate": "list",
                    "source": f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(choices) + 1}",
                    "error_type": "stop",
                    "error_title": _("取值不在列表中")[:32],
                    "error_message": (_("请从下拉列表选择：%(options)s") % {"options": "、".join(choices)})[
                        :255
                    ],
                    "input_title": column.label[:32],
                    "input_message": (_("请从下拉列表选择"))[:255],
                },
            )
            options_col += 1
        elif column.type == DATE:
            data.data_validation(
                1,
                col,
                LAST_ROW,
                col,
                {
                    "validate": "date",
                    "criteria": "between",
                    "minimum": dt.date(1900, 1, 1),
                    "maximum": dt.date(2100, 12, 31),
                    "error_type": "warning",
                    "error_title": _("日期格式")[:32],
                    "error_message": _("请填写日期，如 2020-09-12。"),
                },
            )
    data.freeze_panes(1, 0)
    options.hide()

    count = 0
    if rows is not None:
        for count, values in enumerate(rows, start=1):
            for col, (column, value) in enumerate(zip(columns, values, strict=True)):
                _write_value(data, count, col, value, fmt, column)
        if columns:
            data.autofilter(0, 0, max(count, 1), len(columns) - 1)

    _write_help(help_sheet, register, columns, fmt)
    data.activate()
    book.close()
    return output.getvalue()


def _write_help(sheet: Any, register: Register, columns: list[Column], fmt: _Formats) -> None:
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 70)
    sheet.set_column(3, 3, 30)
    sheet.write_string(0, 0, _("%(label)s 导入说明") % {"label": register.label}, fmt.title)
    notes = [
        _("1. 第 1 行为表头，请勿修改列名；数据从第 2 行开始，空行会被跳过。红色表头为必填列。"),
        _(
            "2. 一次导入要么全部成功，要么一条也不写入：任何一行有错，系统会列出所有出错的行、列和原因，请改正后重新上传。"
        ),
        _("3. 重复导入同一文件不会产生重复记录：%(key)s") % {"key": register.natural_key_help},
        _("4. 表头中省略的非必填列，导入时保留系统中的原值；列存在但单元格为空，则清空该项。"),
        _(
            "5. 导出文件中的灰色列仅供查看，导入时忽略。以 = + - @ 开头的文字在导出时前面加了英文单引号，导入时会自动去掉。"
        ),
        _("6. 文件须为 .xlsx 格式，不超过 %(limit)s。")
        % {"limit": human_size(settings.IMPORT_MAX_FILE_BYTES)},
    ]
    for i, note in enumerate(notes, start=2):
        sheet.write_string(i, 0, note, fmt.cell)
    top = len(notes) + 3
    for col, title in enumerate((_("列名"), _("必填"), _("填写说明"), _("可选值"))):
        sheet.write_string(top, col, title, fmt.th)
    for i, column in enumerate(columns, start=top + 1):
        sheet.write_string(i, 0, column.label, fmt.td)
        sheet.write_string(
            i, 1, _("只读") if column.readonly else (_("是") if column.required else ""), fmt.td
        )
        sheet.write_string(
            i, 2, _("仅供查看，导入时忽略。") if column.readonly else column.describe(), fmt.td
        )
        sheet.write_string(i, 3, "、".join(column.options), fmt.td)


def table_bytes(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """A plain one-sheet table (for lists that are not registers, e.g. the audit log), with the
    same neutralisation of formula-like text."""
    output = io.BytesIO()
    book = _new_book(output)
    fmt = _Formats(book)
    sheet = book.add_worksheet(str(title)[:31] or "Sheet1")
    for col, header in enumerate(headers):
        sheet.write_string(0, col, neutralise(str(header)), fmt.optional)
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 4)))
    count = 0
    for count, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            _write_value(sheet, count, col, value, fmt, None)
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, max(count, 1), len(headers) - 1)
    book.close()
    return output.getvalue()


def download(data: bytes, filename: str, *, fallback: str = "") -> HttpResponse:
    """An .xlsx attachment; the UTF-8 file name is sent as RFC 5987 filename*, with an ASCII
    `filename=` fallback for old clients."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    header = content_disposition_header(True, filename) or "attachment"
    if fallback and "filename=" not in header:
        header = header.replace("attachment;", f'attachment; filename="{fallback}";', 1)
    response["Content-Disposition"] = header
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """Download a plain table as `<title>_<YYYYMMDD>.xlsx`."""
    day = f"{timezone.localdate():%Y%m%d}"
    return download(table_bytes(title, headers, rows), f"{title}_{day}.xlsx", fallback=f"export_{day}.xlsx")


# --- reading ------------------------------------------------------------------------------------------


def _refusal(exc: sheets.SheetTooLarge, register: Register, sheet: str) -> ImportRejected:
    if exc.kind == "rows":
        return ImportRejected.file(
            _(
                "文件超过 %(limit)s 行（单次导入上限）：工作表“%(sheet)s”第 %(row)s 行仍有数据。"
                "请分批导入；若下方本应为空，请删除多余的行后重新上传。"
            )
            % {"limit": f"{register.row_limit:,}", "sheet": sheet, "row": f"{exc.row:,}"}
        )
    return ImportRejected.file(
        _(
            "文件超过 %(limit)d 列：工作表“%(sheet)s”第 %(column)s 列（第 %(row)s 行）仍有数据，"
            "而“%(label)s”只有 %(n)d 列。请删除多余的列，或使用本系统下载的模板。"
        )
        % {
            "limit": register.max_columns,
            "sheet": sheet,
            "column": sheets.column_letters(exc.column),
            "row": f"{exc.row:,}",
            "label": register.label,
            "n": len(register.columns),
        }
    )


def choose_sheet(book: sheets.Workbook, register: Register) -> sheets.SheetInfo:
    """The data sheet: the one named after the register, else the first visible one (the 说明 and
    选项 sheets of the template aside). A hidden sheet is never imported, and the data sheet must be
    the first visible one, so the file imports what its user sees on opening it."""
    worksheets = [s for s in book.sheets if s.worksheet]
    if not worksheets:
        raise ImportRejected.file(_("文件中没有工作表。"))
    visible = [s for s in worksheets if s.visible and s.name not in (HELP_SHEET, OPTIONS_SHEET)]
    named = next((s for s in worksheets if s.name == register.sheet_name), None)
    if named is not None and not named.visible:
        raise ImportRejected.file(
            _(
                "工作表“%(name)s”是隐藏的，系统不导入隐藏的工作表：请在 Excel 中右键工作表标签，"
                "选择“取消隐藏”，核对其内容后重新上传。"
            )
            % {"name": named.name}
        )
    if not visible:
        raise ImportRejected.file(
            _(
                "文件中没有可见的工作表：系统不导入隐藏的工作表，请在 Excel 中取消隐藏要导入的工作表后重新上传。"
            )
        )
    if named is not None and visible[0] is not named:
        raise ImportRejected.file(
            _(
                "文件中第一个可见的工作表是“%(first)s”，而要导入的“%(name)s”在它后面：请把数据放在第一个工作表"
                "（或删除其他工作表）后重新上传。"
            )
            % {"first": visible[0].name, "name": named.name}
        )
    return named or visible[0]


def check_while_streaming(archive: zipfile.ZipFile, register: Register) -> str:
    """Choose the data sheet and check its size and its header while streaming it out of the archive,
    before any of it is held in memory. Returns the sheet's name; raises ImportRejected."""
    try:
        book = sheets.read_workbook(archive)
        info = choose_sheet(book, register)
        # A title row or a blank row or two above the header are allowed for; the exact count of data
        # rows is checked again once the sheet is read.
        limits = {"max_row": register.row_limit + HEADER_SEARCH_ROWS, "max_column": register.max_columns}
        try:
            first, complete = sheets.exact_scan(archive, info.path, keep_rows=HEADER_SEARCH_ROWS, **limits)
            if not complete and not sheets.fast_scan(archive, info.path, **limits):
                sheets.exact_scan(archive, info.path, **limits)
        except sheets.SheetTooLarge as exc:
            raise _refusal(exc, register, info.name) from None
        if not first:
            raise ImportRejected.file(_("工作表“%(name)s”是空的。") % {"name": info.name})
        rows = sheets.decode_rows(archive, book, first)
        number, header = rows[register.header_position(rows)]
        register.check_header(header, number)
    except sheets.SheetUnreadable as exc:
        raise _unreadable(exc) from None
    return info.name


def _unreadable(exc: Exception) -> ImportRejected:
    return ImportRejected.file(
        _("无法读取该 Excel 文件（%(error)s），请在 Excel 中另存为 .xlsx 后重试。")
        % {"error": type(exc).__name__}
    )


def read_table(file: IO[bytes], register: Register) -> Table:
    """Read the register's sheet (see choose_sheet), bounded while it streams (check_while_streaming).
    The header is the first non-empty row naming one of the register's columns; row numbers are those
    Excel shows; fully empty rows are skipped."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            name = check_while_streaming(archive, register)
        file.seek(0)
        book = CalamineWorkbook.from_filelike(file)
        filled = [
            (index, list(row))
            for index, row in enumerate(
                book.get_sheet_by_name(name).to_python(skip_empty_area=False), start=1
            )
            if not all(cells.is_blank(v) for v in row)
        ]
    except ImportRejected:
        raise
    except (
        CalamineError,
        ValueError,
        OSError,
        RuntimeError,
        zipfile.BadZipFile,
        EOFError,
        zlib.error,
    ) as exc:
        raise _unreadable(exc) from None
    finally:
        file.seek(0)

    if not filled:
        raise ImportRejected.file(_("工作表“%(name)s”是空的。") % {"name": name})
    position = register.header_position(filled)
    header_row, header = filled[position]
    return Table(header=header, rows=filled[position + 1 :], header_row=header_row, sheet=name)


# --- the error report ----------------------------------------------------------------------------

ERRORS_SHEET = "错误清单"
MAX_COMMENTS = 1000  # cell comments beyond this many make Excel slow; the error column has them all
_UNNAMED_COLUMN = re.compile(r"第 ([A-Z]{1,3}) 列")


def error_workbook(register: Register, table: Table, errors: list[RowError]) -> bytes:
    """The uploaded sheet as it was read, every row at its own row number, with the cells in error
    filled red (and a comment giving the reason), an error column on the right, and a second sheet
    listing every error. The error column is ignored on import, so the user can fix the red cells and
    upload this very file again."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    fmt = _Formats(book)
    bad = book.add_format({"font_name": "等线", "bg_color": "#FFC7CE", "font_color": "#9C0006"})
    bad_header = book.add_format(
        {"font_name": "等线", "bold": True, "border": 1, "bg_color": "#FFC7CE", "font_color": "#9C0006"}
    )
    note = book.add_format({"font_name": "等线", "font_color": "#9C0006", "text_wrap": True, "valign": "top"})
    data = book.add_worksheet(register.sheet_name)

    index_of: dict[str, int] = {}
    for index, raw in enumerate(table.header):
        index_of.setdefault(header_label(raw), index)

    def column_of(label: str) -> int | None:
        unnamed = _UNNAMED_COLUMN.fullmatch(label)
        if unnamed:
            return sheets.column_index(unnamed.group(1)) - 1
        return index_of.get(label)

    by_row: dict[int, list[RowError]] = {}
    for error in errors:
        if error.row:
            by_row.setdefault(error.row, []).append(error)
    width = max([len(table.header), *(len(values) for _n, values in table.rows)])
    data.set_column(0, max(width - 1, 0), 16)
    data.set_column(width, width, 60)
    comments = 0

    def write_row(number: int, values: list[Any], header: bool) -> None:
        nonlocal comments
        problems = by_row.get(number, [])
        marked: dict[int, list[str]] = {}
        for error in problems:
            col = column_of(error.column)
            if col is not None:
                marked.setdefault(col, []).append(error.reason)
        for col in range(max(len(values), max(marked, default=-1) + 1)):
            value = values[col] if col < len(values) else None
            if col in marked:
                style = bad_header if header else bad
                if cells.is_blank(value):
                    sheet_blank(number - 1, col, style)
                else:
                    _write_styled(data, number - 1, col, value, style)
                if comments < MAX_COMMENTS:
                    data.write_comment(
                        number - 1, col, "；".join(marked[col])[:2000], {"author": "科创", "x_scale": 2}
                    )
                    comments += 1
            elif not cells.is_blank(value):
                if header:
                    data.write_string(number - 1, col, neutralise(cells.to_text(value)), fmt.optional)
                else:
                    _write_value(data, number - 1, col, value, fmt, None)
        if header:
            data.write_string(number - 1, width, ERROR_COLUMN, fmt.required)
        elif problems:
            text = "；".join(f"【{e.column}】{e.reason}" if e.column else e.reason for e in problems)
            data.write_string(number - 1, width, neutralise(text)[:32000], note)

    def sheet_blank(row: int, col: int, style: Any) -> None:
        data.write_blank(row, col, None, style)

    write_row(table.header_row, list(table.header), True)
    for number, values in table.rows:
        write_row(number, values, False)
    data.freeze_panes(table.header_row, 0)

    listing = book.add_worksheet(ERRORS_SHEET)
    for col, (title, size) in enumerate(((_("行号"), 8), (_("列"), 18), (_("值"), 24), (_("原因"), 80))):
        listing.write_string(0, col, title, fmt.th)
        listing.set_column(col, col, size)
    for i, error in enumerate(errors, start=1):
        if error.row:
            listing.write_number(i, 0, error.row)
        else:
            listing.write_string(i, 0, "—")
        listing.write_string(i, 1, neutralise(error.column))
        listing.write_string(i, 2, neutralise(error.value))
        listing.write_string(i, 3, neutralise(error.reason))
    listing.freeze_panes(1, 0)
    data.activate()
    book.close()
    return output.getvalue()


def _write_styled(sheet: Any, row: int, col: int, value: Any, style: Any) -> None:
    """A raw cell value, written by its type with the given format (text never as a formula)."""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, style)
    elif isinstance(value, int | float) and abs(value) < MAX_FLOAT_EXACT:
        sheet.write_number(row, col, value, style)
    else:
        sheet.write_string(row, col, neutralise(cells.display(value)), style)
