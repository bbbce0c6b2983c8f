"""Cell values as python-calamine returns them, normalised."""

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.imports import cells


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (13800000000.0, "13800000000"),
        ("  开化县 \u3000", "开化县"),
        (3985.0, "3985"),
        (dt.date(2020, 9, 12), "2020-09-12"),
        (dt.datetime(2020, 9, 12, 0, 0), "2020-09-12"),
        ("'=SUM(A1)", "=SUM(A1)"),  # neutralised on export, restored on import
        ("'plain", "'plain"),
        (True, "是"),
    ],
)
def test_to_text(raw, expected):
    assert cells.to_text(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(2020, 9, 12),
        dt.datetime(2020, 9, 12, 8, 30),
        "2020-09-12",
        "2020/9/12",
        "2020.9.12",
        "2020年9月12日",
        "20200912",
        20200912.0,
        44086.0,  # an unformatted Excel serial date
        " 2020-09-12 00:00:00 ",
    ],
)
def test_to_date(raw):
    assert cells.to_date(raw) == dt.date(2020, 9, 12)


@pytest.mark.parametrize("raw", ["2020-13-01", "2020年2月30日", "昨天", "12/09/2020", True])
def test_to_date_rejects(raw):
    with pytest.raises(cells.CellError):
        cells.to_date(raw)


def test_numbers():
    assert cells.to_int(2024.0) == 2024
    assert cells.to_int("2024") == 2024
    assert cells.to_int("2024年") == 2024
    assert cells.to_int("1,200") == 1200
    with pytest.raises(cells.CellError):
        cells.to_int(2024.5)
    with pytest.raises(cells.CellError):
        cells.to_int("二〇二四")
    assert cells.to_decimal(0.1) == Decimal("0.1")
    assert cells.to_decimal("1,234.50") == Decimal("1234.50")
    with pytest.raises(cells.CellError):
        cells.to_decimal("约 5 万")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), (1.0, True), (0, False), (True, True)],
)
def test_to_bool(raw, expected):
    assert cells.to_bool(raw) is expected


def test_to_bool_rejects():
    with pytest.raises(cells.CellError, match="是"):
        cells.to_bool("可能")


def test_split_list():
    assert cells.split_list("茶叶、植物保护,茶叶，土壤；水产") == ["茶叶", "植物保护", "土壤", "水产"]
    assert cells.split_list("") == []


def test_blank():
    assert cells.is_blank("   ")
    assert cells.is_blank(None)
    assert not cells.is_blank(0.0)
