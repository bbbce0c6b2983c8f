"""`kechuang indicators`: refresh and print a county's indicators with their ranks."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kechuang.imports.services import import_file
from kechuang.rnd.models import CountyEconomy, Indicator
from tests.factories import OrganisationFactory
from tests.imports.conftest import xlsx_bytes

HEADER = [
    "统一社会信用代码",
    "年度",
    "报告期类型",
    "期别",
    "R&D经费内部支出（元）",
    "高新技术产业增加值（元）",
]


def _run(*args):
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_counties(county_a, county_b):
    a = OrganisationFactory(region=county_a)
    b = OrganisationFactory(region=county_b)
    rows = []
    for org, amount in ((a, 3_000_000), (b, 1_000_000)):
        for year, scale in ((2024, Decimal(1)), (2025, Decimal("1.1"))):
            rows.append([org.credit_code, year, "年报", 0, amount * scale, amount * 5])
    import_file(
        register="enterprise_stats", file=io.BytesIO(xlsx_bytes(HEADER, rows, sheet="企业统计数据")), by=None
    )
    for county, gdp in ((county_a, 20_000_000_000), (county_b, 25_000_000_000)):
        for year in (2024, 2025):
            CountyEconomy.objects.create(county=county, year=year, months=12, gdp=gdp)
    return a, b


def test_prints_values_changes_and_ranks(two_counties):
    # The economy rows were written behind the services' back: the import refreshed before they existed.
    assert not Indicator.objects.filter(key="rd_intensity").exists()
    assert "已刷新 2024、2025 年度指标" in _run("--refresh")
    out = _run("--county", "330824", "--year", "2025")
    assert "浙江省衢州市开化县 2025年全年 指标" in out
    # 3,300,000 / 20,000,000,000 = 0.0165% ; 2024: 0.015% → +0.0015 percentage points rounds to 0.00.
    line = next(x for x in out.splitlines() if x.startswith("R&D经费支出"))
    assert "330万元" in line and "300万元" in line and "增长10.00%" in line and "1/2" in line
    line = next(x for x in out.splitlines() if x.startswith("R&D经费投入强度"))
    assert "0.02%" in line and "1/2" in line
    out_b = _run("--county", "330822", "--year", "2025")
    assert "2/2" in next(x for x in out_b.splitlines() if x.startswith("R&D经费支出"))


def test_refuses_unclear_requests(two_counties):
    with pytest.raises(CommandError, match="--refresh 或 --county"):
        _run()
    with pytest.raises(CommandError, match="指定一个年度"):
        _run("--county", "330824")
    with pytest.raises(CommandError, match="没有区划代码"):
        _run("--county", "999999", "--year", "2025")
    assert "没有该期间的指标" in _run("--county", "330824", "--year", "2019")


def _rates(*args):
    out = io.StringIO()
    call_command("rates", *args, stdout=out)
    return out.getvalue()


def test_rates_lists_and_adds_an_audited_row(reference):
    from kechuang.core.models import AuditEvent
    from kechuang.rnd.models import DeductionRate

    assert "制造业企业\t2021-01-01—长期\t100%\t财政部 税务总局公告2021年第13号" in _rates()
    out = _rates(
        "--add",
        "--applies-to",
        "all",
        "--from",
        "2030-01-01",
        "--rate",
        "120",
        "--basis",
        "假设公告2030年第1号",
    )
    assert "一般企业\t2030-01-01—长期\t120%\t假设公告2030年第1号" in out
    row = DeductionRate.objects.get(basis="假设公告2030年第1号")
    assert row.rate == Decimal("1.2")
    event = AuditEvent.objects.get(action="create", object_type="rnd.deductionrate")
    assert Decimal(event.after["rate"]) == Decimal("1.2") and event.username.startswith("命令行")


def test_rates_refuses_bad_rows(reference):
    with pytest.raises(CommandError, match="--from"):
        _rates("--add", "--applies-to", "all", "--rate", "100", "--basis", "x")
    with pytest.raises(CommandError, match="截止日期不能早于起始日期"):
        _rates(
            "--add",
            "--applies-to",
            "all",
            "--from",
            "2030-01-01",
            "--until",
            "2029-01-01",
            "--rate",
            "100",
            "--basis",
            "x",
        )
    with pytest.raises(CommandError, match="数字"):
        _rates("--add", "--applies-to", "all", "--from", "2030-01-01", "--rate", "abc", "--basis", "x")
