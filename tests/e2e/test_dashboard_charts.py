"""The leader's dashboard in real Chromium: plotly.js (served locally) draws every chart, in Chinese."""

import datetime as dt
from decimal import Decimal

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.programmes.fixtures import make_call
from tests.programmes.test_figures import award, org

D = dt.date


def test_leader_dashboard_draws_the_charts(page, shot, staff_a, leader_a, county_a, org_x, hte, key_rd):
    b = org("开化县乙科技有限公司", county_a)
    award(staff_a, make_call(staff_a, hte, year=2025), org_x, D(2025, 6, 30))
    award(staff_a, make_call(staff_a, hte, year=2024), b, D(2024, 7, 1))
    project = award(staff_a, make_call(staff_a, key_rd, year=2025), b, D(2025, 8, 1), title="电机",
                    amount=Decimal(3_000_000))  # fmt: skip
    award(staff_a, make_call(staff_a, key_rd, year=2023), org_x, D(2023, 9, 1), title="旧项目",
          amount=Decimal(1_200_000))  # fmt: skip
    from kechuang.programmes import services

    services.disbursement_create(
        by=staff_a, award=project, today=D(2025, 10, 1),
        data={"amount": Decimal(1_000_000), "source": "provincial", "fiscal_year": 2025,
              "paid_on": D(2025, 10, 1), "voucher_no": "省-2025-1", "tranche": 1},
    )  # fmt: skip

    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, "leader_a", PASSWORD)
    page.goto("/reports/dashboard/?year=2025")
    plots = page.locator("[data-chart]")
    n = plots.count()
    assert n >= 5  # the figures with data (no money paid for incentives or matching funds here)
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n", arg=n, timeout=20000
    )
    assert page.locator(".js-plotly-plot").count() == n
    assert not errors
    # no link to plotly.com, no logo; labels in Chinese are real text in the SVG
    assert page.locator("a[href*='plot.ly'], a[href*='plotly.com'], .modebar-btn--logo").count() == 0
    assert "省级财政" in page.locator("#funds-by-source .legend").text_content()
    assert "2025年" in page.locator("#trend-projects-grants .xaxislayer-above").text_content()
    font = page.locator("#trend-projects-grants .xtick text").first.evaluate(
        "e => getComputedStyle(e).fontFamily"
    )
    assert "Noto Sans CJK SC" in font
    # the table toggle
    table = page.locator("#trend-projects-grants details")
    table.locator("summary").click()
    assert "300万元" in table.inner_text()
    # Excel export link downloads the chart's data
    with page.expect_download() as download:
        page.locator("#trend-projects-grants a:has-text('导出 Excel')").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(page, "dashboard-leader")
