"""A rank the platform computed is shown — on the indicator page, the dashboard, the home panel, in the
figures — only when the platform holds every county of that city (province); otherwise "—" with the reason.
The dashboard says "暂无数据" for a figure without data, never "0万元" or "0.00%". The figures keep their
count of a province's (city's) counties per call, not in a module-level cache."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.core.models import Region
from kechuang.reports.figures import Period, compute
from kechuang.rnd import services
from tests.conftest import client_for
from tests.factories import OrganisationFactory
from tests.rnd.test_indicators import import_economy, import_stats

D = Decimal
GDP = 5_000_000_000
# 衢州's six counties with their 2024 R&D (annual returns), each with a GDP of 50亿元:
QUZHOU = {
    "330802": 5_000_000,  # 0.10%
    "330803": 10_000_000,  # 0.20%
    "330822": 15_000_000,  # 0.30%
    "330824": 20_000_000,  # 0.40%  开化县: third in the city (0.60%, 0.50%, 0.40%)
    "330825": 25_000_000,  # 0.50%
    "330881": 30_000_000,  # 0.60%
}
# and one county of another city (杭州 上城区, 2.00%): in the province's ranking, not in the city's. The platform
# then holds 7 of the province's 90 counties: no province rank is shown.
HANGZHOU = {"330102": 100_000_000}


@pytest.fixture
def whole_city(reference):
    counties = {**QUZHOU, **HANGZHOU}
    assert Region.objects.filter(code__startswith="3308", level=Region.Level.COUNTY).count() == len(QUZHOU)
    orgs = {code: OrganisationFactory(region=Region.objects.get(code=code)) for code in counties}
    import_stats([(orgs[code], 2024, "年报", 0, rd, 0) for code, rd in counties.items()])
    import_economy([(code, 2024, 12, GDP, 1_000_000_000) for code in counties])


def test_the_indicator_page_shows_a_city_rank_over_the_whole_city_and_no_province_rank(staff_a, whole_city):
    html = client_for(staff_a).get(reverse("rnd:indicators"), {"year": 2024, "months": 12}).content.decode()
    row = html[html.index('data-key="rd_intensity"') :][:2500]
    assert "0.40%" in row
    assert "第3/6位" in row  # the whole city is in the platform: the rank is 衢州's own
    assert "第4/7位" not in row  # 4th of the 7 counties the platform holds of the province's 90: not shown
    assert "平台只有全省90个县（市、区）中7个的数据" in row
    rd = html[html.index('data-key="rd_expenditure"') :][:1500]
    assert "2000万元" in rd and "第3/6位" in rd


def test_the_dashboard_and_the_figures_quote_the_same_ranks(staff_a, county_a, whole_city):
    html = client_for(staff_a).get(reverse("rnd:dashboard"), {"year": 2024}).content.decode()
    kpis = html[html.index('class="rnd-kpis"') :][:3000]
    assert "全市第3/6位" in kpis and "全省第" not in kpis
    # the summary of 2025 reports 2024's figures: R&D 2000万元 and 0.40% both third of 衢州's six counties
    f = compute("rnd.official_rd", county_a, Period.year_of(2025))
    assert "全市6个县（市、区）排名分别为第3位和第3位" in f.text and "全省" not in f.text


def test_the_figures_count_the_counties_per_call_not_in_a_module_cache(county_a, whole_city):
    """Each call asks the region tree once per prefix it needs (the city's: the province is not complete
    anyway and is asked once too) and a second call asks again: nothing is kept between calls or threads."""

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            compute("rnd.official_rd", county_a, Period.year_of(2025))
        region_counts = [
            q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"] and "core_region" in q["sql"]
        ]
        return len(ctx.captured_queries), len(region_counts)

    first, second = counted(), counted()
    assert first == second
    assert first[1] == 2  # 33 (the province) and 3308 (the city), each once for both indicators


def test_the_dashboard_says_no_data_instead_of_zero(staff_a, staff_b, county_a, org_x):
    """开化县 has 2024 R&D returns (1200万元) but no GDP, no high-tech figures and no 规上 roster entered, and a
    target for the intensity: those tiles and the target's actual say "暂无数据"."""
    import_stats([(org_x, 2024, "年报", 0, 12_000_000, 0)])
    services.target_save(
        by=staff_a, data={"county": county_a, "year": 2024, "indicator": "rd_intensity", "value": D("0.7")}
    )
    html = client_for(staff_a).get(reverse("rnd:dashboard"), {"year": 2024}).content.decode()
    kpis = html[html.index('class="rnd-kpis"') : html.index('class="rnd-grid"')]
    assert "1200万元" in kpis
    assert (
        kpis.count("暂无数据") == 4
    )  # intensity, high-tech value added, its share, the 规上 count (no roster)
    targets = html[html.index('id="targets"') :][:3000]
    assert "暂无数据" in targets
    for zero in ("0万元", "0.00%", "0.00万元"):
        assert f">{zero}<" not in html and f">{zero}（" not in html
    # 常山县 has no data at all: its page says so, with no figure of zero
    other = client_for(staff_b).get(reverse("rnd:dashboard")).content.decode()
    assert "常山县尚无指标数据" in other and "0万元" not in other and "0.00%" not in other
