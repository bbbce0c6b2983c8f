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
