"""Helpers for the import tests: real .xlsx files written with openpyxl."""

import io

import openpyxl

from tests.factories import credit_code_for

ORG_HEADER = [
    "名称",
    "统一社会信用代码",
    "类型",
    "所在地",
    "行业代码",
    "规模",
    "成立日期",
    "地址",
    "联系人",
    "联系电话",
    "电子邮箱",
    "登记县",
]


def xlsx_bytes(header, rows, *, sheet="企业与机构"):
    """An .xlsx with `header` in row 1 and `rows` from row 2, as Excel users would type them."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def org_rows(n, *, county="330824", start=0, name="导入测试企业"):
    """n organisation rows with valid credit codes, in county A by default."""
    return [
        [
            f"{name}{i:05d}",
            credit_code_for(500_000 + i, county=county),
            "企业",
            county,
            3985.0,  # as calamine would see a number typed into the cell
            "小型",
            "2020-09-12",
            f"工业园区{i}号",
            "张三",
            13800000000.0 + i,
            f"c{i}@example.com",
        ]
        for i in range(start, start + n)
    ]


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_dimension(data, ref):
    """The same .xlsx with its data sheet's <dimension> claiming `ref` (or removed, ref=None): the
    element is only a hint that some writers get wrong."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                replacement = b"" if ref is None else f'<dimension ref="{ref}"/>'.encode()
                content, n = re.subn(rb"<dimension [^>]*/>", replacement, content)
                assert n == 1
            target.writestr(info, content)
    return out.getvalue()


def raw_xlsx(sheets):
    """A minimal .xlsx written by hand, for shapes no library writes: `sheets` is a list of
    (name, state, sheetData XML) in workbook order; cells carry inline strings or numbers."""
    import zipfile

    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>"
    )
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" state="{state}" r:id="rId{i}"/>'
        for i, (name, state, _xml) in enumerate(sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{SHEET_NS}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{entries}</sheets></workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
        "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        for i, (_name, _state, xml) in enumerate(sheets, start=1):
            archive.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}">'
                f"<sheetData>{xml}</sheetData></worksheet>",
            )
    return out.getvalue()


def sheet_xml(rows, *, refs=True):
    """<row> elements for `rows` (lists of str / number / None), from row 1; refs=False leaves out
    the r attributes, as some streaming writers do."""
    from xml.sax.saxutils import escape

    from kechuang.imports.sheets import column_letters

    parts = []
    for number, values in enumerate(rows, start=1):
        cells = []
        for col, value in enumerate(values, start=1):
            if value is None:
                continue
            ref = f' r="{column_letters(col)}{number}"' if refs else ""
            if isinstance(value, str):
                cells.append(f'<c{ref} t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                cells.append(f"<c{ref}><v>{value}</v></c>")
        parts.append(f"<row{f' r={chr(34)}{number}{chr(34)}' if refs else ''}>{''.join(cells)}</row>")
    return "".join(parts)
