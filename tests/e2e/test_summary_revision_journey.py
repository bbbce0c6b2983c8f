"""Revising a frozen summary in a real browser, at a desk (1280 px) and on a phone (390 px): the frozen version
offers 修订, asks why, opens version 2 in the editor; version 1 stays frozen, says it was revised and by whom
it was frozen; the versions page compares the two (prose marked by character, figures side by side)."""

import datetime as dt

import pytest

from kechuang.reports import summary as s
from kechuang.reports.models import Summary
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.reports.test_exports import GRANTS, GRANTS_AFTER, Y2025, approve_project, build_dataset

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_staff_revise_a_frozen_summary_and_compare_the_versions(page, shot, staff_a, county_a, width, height):
    call = build_dataset(staff_a, county_a)
    v1 = s.summary_create(by=staff_a, county=county_a, period=Y2025)
    s.summary_update(
        by=staff_a,
        summary=v1,
        title=v1.title,
        sections={**v1.sections, "3": "全年项目工作成效明显，{projects.grants}。"},
    )
    s.summary_freeze(by=staff_a, summary=v1)
    approve_project(
        staff_a, county_a, call, "开化县丙科技有限公司", "新型茶机", dt.date(2025, 10, 1), 500_000
    )

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, "staff_a", PASSWORD)
    page.goto(f"/reports/summaries/{v1.pk}/")
    wide = "[...document.querySelectorAll('body *')].filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > innerWidth + 1)"
    assert page.evaluate(f"{wide}.map(e => e.tagName + '.' + e.className)") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click(".revise-box summary")
    page.fill("textarea[name=reason]", "上级通报了第三个项目的立项")
    path = shot(page, f"summary-revise-{width}")
    page.screenshot(path=str(path.with_name(f"summary-revise-{width}-top.png")))  # what the screen shows
    page.click("button:has-text('生成修订版本')")
    page.wait_for_url("**/edit/")
    v2 = Summary.objects.get(version=2)
    assert page.url.endswith(f"/reports/summaries/{v2.pk}/edit/")

    s.summary_update(
        by=staff_a, summary=v2, title=v2.title,
        sections={**v2.sections, "3": "全年争取上级项目支持力度加大，{projects.grants}。"},
    )  # fmt: skip
    page.goto(f"/reports/summaries/{v2.pk}/")
    assert "修订自第1版" in page.inner_text(".content, main, body")
    path = shot(page, f"summary-v2-{width}")
    with page.expect_download() as download_info:
        page.click("text=下载 Word")
    download = download_info.value
    assert download.suggested_filename.endswith("（第2版）.docx")
    download.save_as(path.with_name("summary-v2.docx"))  # for a look in LibreOffice

    page.goto(f"/reports/summaries/{v1.pk}/")
    text = page.inner_text("body")
    assert "本版本已被修订，最新为第2版" in text and GRANTS in text and GRANTS_AFTER not in text
    assert page.locator(".revise-box").count() == 0
    shot(page, f"summary-v1-revised-{width}")

    page.click("text=版本对比")
    page.wait_for_selector(".version-diff")
    assert page.locator(".diff-row del").count() > 0 and page.locator(".diff-row ins").count() > 0
    assert GRANTS_AFTER in page.inner_text(".compare-table")
    # on a phone the two versions stack instead of squeezing side by side
    a, b = (
        page.locator(".diff-row .diff-a").first.bounding_box(),
        page.locator(".diff-row .diff-b").first.bounding_box(),
    )
    assert (b["y"] > a["y"]) if width < 700 else (b["x"] > a["x"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"summary-versions-{width}")
