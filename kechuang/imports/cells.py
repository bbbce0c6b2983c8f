"""Turning cell values, as python-calamine returns them, into Python values.

Calamine gives str, int, float, bool, date, datetime, time or timedelta. People type dates in several
ways and Excel turns long digit strings into floats (a phone 13800000000 comes back as 13800000000.0,
an industry code 0511 as 511.0); these functions undo that. Each parser returns the value or raises
CellError with a Chinese reason."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

# Cells that were neutralised on export ('=SUM(…) etc.) come back with the quote removed.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXCEL_EPOCH = dt.date(1899, 12, 30)

TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有", "t"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "✗", "无", "f"}


class CellError(ValueError):
    """A cell that cannot be read as the column's type; the message is the Chinese reason."""


def display(value: Any) -> str:
    """The cell as the user would recognise it in the error report."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_text(value: Any) -> str:
    """Text as typed: numbers without a spurious .0, dates as YYYY-MM-DD, whitespace stripped."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = display(value)
    text = text.replace("\u3000", " ").strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def to_code(value: Any) -> str:
    """A code typed in a cell: digits kept as a string, internal whitespace removed."""
    return re.sub(r"\s+", "", to_text(value))


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(_("应为整数。"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(_("应为整数，不能带小数。"))
    text = to_text(value).replace(",", "").replace("，", "")
    text = text.removesuffix("年")
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0+", text):
        return int(text.split(".")[0])
    raise CellError(_("应为整数。"))


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("应为数字。"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CellError(_("应为数字。"))
        # repr() gives the shortest string that round-trips, so 0.1 stays 0.1, not 0.1000000000000000055…
        return Decimal(repr(value))
    text = to_text(value).replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("应为数字。")) from None
    if not number.is_finite():
        raise CellError(_("应为数字。"))
    return number


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(_("应为日期，如 2020-09-12、2020/9/12 或 2020年9月12日。"))
    if isinstance(value, int | float) and not 19000101 <= value <= 21001231:
        # An unformatted Excel serial date (days since 1899-12-30); 20200912 typed as a number is
        # read as YYYYMMDD below instead.
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError(_("应为日期，如 2020-09-12、2020/9/12 或 2020年9月12日。"))
    text = to_text(value).replace(" ", "") if not isinstance(value, str) else value.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups()[:3])
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(_("日期不存在。")) from None
    raise CellError(_("应为日期，如 2020-09-12、2020/9/12 或 2020年9月12日。"))


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise CellError(_("应填“是”或“否”。"))
    text = to_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("应填“是”或“否”。"))


def split_list(value: Any) -> list[str]:
    """A list typed in one cell, separated by 、 , ， ; ； or line breaks; duplicates dropped."""
    parts = re.split(r"[、,，;；\n]+", to_text(value))
    seen: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen
