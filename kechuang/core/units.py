"""Display formatting for money and measures (DOMAIN.md, "Units and conventions"). Values are kept
exactly (Decimal, 元) and rounded only here, half-up (四舍五入)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")
WAN = Decimal(10_000)
YI = Decimal(100_000_000)


def _d(value: Decimal | int | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _trim(value: Decimal) -> str:
    """Two decimals at most, trailing zeros dropped: 12.50 → 12.5, 12.00 → 12."""
    text = f"{value.quantize(TWO, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def wanyuan(yuan: Decimal | int | str) -> str:
    return f"{_trim(_d(yuan) / WAN)}万元"


def yiyuan(yuan: Decimal | int | str) -> str:
    return f"{(_d(yuan) / YI).quantize(TWO, rounding=ROUND_HALF_UP):f}亿元"


def money(yuan: Decimal | int | str | None) -> str:
    """万元 below one 亿元, 亿元 from there on."""
    if yuan is None:
        return "—"
    return yiyuan(yuan) if abs(_d(yuan)) >= YI else wanyuan(yuan)


def percent(share: Decimal | int | str) -> str:
    """A share given as a fraction (0.1234) shown as 12.34%."""
    return f"{(_d(share) * 100).quantize(TWO, rounding=ROUND_HALF_UP):f}%"


def points(change: Decimal | int | str) -> str:
    """A change of a share, given in fractions, shown in percentage points (百分点)."""
    value = (_d(change) * 100).quantize(TWO, rounding=ROUND_HALF_UP)
    return f"{'增加' if value >= 0 else '减少'}{abs(value):f}个百分点"


def person_times(n: int) -> str:
    return f"{n:,}人次"


def mu(area: Decimal | int | str) -> str:
    return f"{_trim(_d(area))}亩"


def chinese_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
