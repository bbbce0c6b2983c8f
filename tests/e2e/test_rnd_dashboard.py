"""The R&D dashboard in real Chromium: plotly.js (served locally) draws every chart, with Chinese labels, a
second axis for the intensity, the top enterprises with their names and a table view under each chart."""

from decimal import Decimal

from kechuang.rnd import services
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import OrganisationFactory
from tests.rnd.test_indicators import import_economy, import_stats

D = Decimal


def test_rnd_dashboard_draws_the_charts(page, shot, staff_a, county_a, county_b, org_x, org_y):
    second = OrganisationFactory(name="开化县乙新材料有限公司", region=county_a)
    rows = []
    for year in range(2020, 2025):
        grow = D("1.1") ** (year - 2020)
        rows += [
            (org_x, year, "月报", m, (D(900_000) * grow).quantize(D("0.01")), 50_000) for m in range(1, 13)
        ]
        rows += [(second, year, "年报", 0, (D(4_000_000) * grow).quantize(D("0.01")), 0)]
        rows += [(org_y, year, "年报", 0, (D(9_000_000) * grow).quantize(D("0.01")), 0)]
    rows += [(org_x, 2025, "月报", m, 1_300_000, 60_000) for m in range(1, 10)]
    import_stats(rows)
    import_economy(
        [(c, y, 12, 5_000_000_000, 1_200_000_000) for c in ("330824", "330822") for y in range(2020, 2025)]
        + [("330824", 2025, 9, 3_900_000_000, 900_000_000)]
    )
    services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2023, "indicator": "rd_intensity", "value": D("0.36"),
              "province_rank": 58, "province_count": 90, "city_rank": 3, "city_count": 6,
              "source": "《2023年浙江省科技进步统计监测报告》"},
    )  # fmt: skip
    for key, value in (("rd_intensity", D("0.45")), ("rd_expenditure", D("20000000"))):
        services.target_save(
            by=staff_a, data={"county": county_a, "year": 2025, "indicator": key, "value": value}
        )

    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, "staff_a", PASSWORD)
    page.goto("/rnd/dashboard/?year=2025")
    plots = page.locator("[data-rnd-chart]")
    n = plots.count()
    assert n == 5
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n", arg=n, timeout=20000
    )
    assert page.locator(".js-plotly-plot").count() == n
    assert not errors
    assert page.locator("a[href*='plot.ly'], a[href*='plotly.com'], .modebar-btn--logo").count() == 0
    # Chinese labels are real text in the SVG: legend, categories, the second axis, enterprise names
    trend = page.locator("#rd-trend")
    assert "R&D经费投入强度" in trend.locator(".legend").text_content()
    assert "2023年" in trend.locator(".xaxislayer-above").text_content()
    assert "2025年1-9月" in trend.locator(".xaxislayer-above").text_content()
    assert "投入强度（%）" in trend.locator(".g-y2title").text_content()
    assert "开化县甲科技有限公司" in page.locator("#top-enterprises .yaxislayer-above").text_content()
    assert "1-9月" in page.locator("#rd-ytd .xaxislayer-above").text_content()
    font = trend.locator(".xtick text").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert "Noto Sans CJK SC" in font
    # the table view of a chart, with the published figure marked
    table = trend.locator("details")
    table.locator("summary").click()
    assert "0.36%" in table.inner_text() and "公布数" in table.inner_text()
    ranks = page.locator("#rank-trend details")
    ranks.locator("summary").click()
    assert "第58位" in ranks.inner_text()
    shot(page, "rnd-dashboard")

    page.goto("/rnd/indicators/?year=2025&months=9")
    table = page.locator("#indicator-table").inner_text()
    # 1,300,000 × 9; only 开化县 has 2025 data yet, so the platform's own rank over the city is not quoted
    assert "1170万元" in table and "第1/1位" not in table
    shot(page, "rnd-indicators")
