"""The Content-Security-Policy in real Chromium: the main pages load with no violation reported (no
inline script left, plotly and htmx run under script-src 'self'), and the behaviours moved from inline
handlers into static JS still work."""

import datetime as dt

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.programmes.fixtures import make_call
from tests.programmes.test_figures import award

D = dt.date

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


def watched(page):
    problems = []
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def visit(page, problems, path):
    response = page.goto(path)
    assert response.status < 400, (path, response.status)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    problems += page.evaluate("window.__csp")
    assert problems == [], (path, problems)


def test_main_pages_report_no_csp_violation(
    page, shot, staff_a, leader_a, auditor_user, county_a, org_x, hte
):
    award(staff_a, make_call(staff_a, hte, year=2025), org_x, D(2025, 6, 30))
    problems = watched(page)
    visit(page, problems, "/accounts/login/")
    log_in(page, "staff_a", PASSWORD)
    for path in (
        "/",
        "/orgs/",
        "/rnd/dashboard/",
        "/programmes/applications/",
        "/reports/summaries/",
        "/api/docs",
    ):
        visit(page, problems, path)

    # The organisation's delete button asks first (data-confirm): dismissed, nothing is deleted.
    visit(page, problems, f"/orgs/{org_x.pk}/")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator("form[data-confirm] button[type=submit]").first.click()
    assert asked and "删除" in asked[0]
    assert page.url.endswith(f"/orgs/{org_x.pk}/")

    # The language switch submits on change (data-autosubmit).
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"

    # Charts are drawn by plotly.js from their JSON blocks.
    page.context.clear_cookies()
    log_in(page, "leader_a", PASSWORD)
    visit(page, problems, "/reports/dashboard/?year=2025")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=20000)
    shot(page, "csp-dashboard")
    page.context.clear_cookies()
    for name in ("zhang", "li", "wang"):  # three failed logins from this client, three usernames
        page.goto("/accounts/login/")
        page.fill("input[name=username]", f"nobody-{name}")
        page.fill("input[name=password]", "wrong-Passw0rd")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    log_in(page, "auditor", PASSWORD)
    visit(page, problems, "/audit/")
    text = page.locator("main").inner_text()
    # The minute's count: still counting on the page, or (the minute over) its summary event.
    assert "本分钟内仍在计数" in text or "的登录失败共 3 次" in text
    shot(page, "csp-audit")
    assert problems == []
