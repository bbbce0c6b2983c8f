"""Statistical returns in real Chromium: staff open a round (the due date is computed in working days across
National Day), tick two filings, mark them submitted, and download the list of those still owing it."""

import datetime as dt
import io
from pathlib import Path

import openpyxl

from kechuang.rnd import selectors_returns
from kechuang.rnd.models import ReturnFiling, ReturnRound
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import OrganisationFactory
from tests.rnd.test_returns import return_type

TODAY = dt.date(2025, 10, 24)


def test_staff_open_a_round_record_filings_and_download_who_still_owes(
    page, shot, staff_a, county_a, org_x, monkeypatch
):
    monkeypatch.setattr(selectors_returns, "today", lambda: TODAY)  # the live server runs in this process
    orgs = [org_x] + [
        OrganisationFactory(name=name, region=county_a, contact_name=who, contact_phone=phone)
        for name, who, phone in [
            ("开化县丙机械有限公司", "王敏", "13905700001"),
            ("开化县丁茶业有限公司", "李华", "13905700002"),
        ]
    ]
    rt = return_type(staff_a, county_a, obligation="listed", listed=orgs)

    log_in(page, "staff_a", PASSWORD)
    page.goto("/rnd/returns/")
    page.click("text=开启报送期")
    page.select_option("select[name=return_type]", str(rt.pk))
    # htmx re-renders the form with the period that has just ended and its computed due date
    preview = page.locator(".round-preview")
    preview.wait_for()
    assert "2025年第3季度" in preview.inner_text()
    assert "2025年10月21日（星期二）" in preview.inner_text()
    assert "3 家单位" in preview.inner_text()
    shot(page, "rnd-returns-open")
    page.click("button:has-text('确认开启')")
    page.wait_for_url("**/rnd/returns/rounds/*/")
    rnd = ReturnRound.objects.get(return_type=rt)
    assert rnd.due_on == dt.date(2025, 10, 21)
    assert "已逾期3天" in page.locator(".facts").inner_text()

    # tick two, mark them submitted on 22 October
    rows = page.locator("table.filings tbody tr")
    assert rows.count() == 3
    for name in ("开化县丙机械有限公司", "开化县丁茶业有限公司"):
        page.locator("tr", has_text=name).locator("input[name=ids]").check()
    assert page.locator(".bulk-count").inner_text() == "2"
    page.fill("input[name=submitted_on][form=bulk-form]", "2025-10-22")
    page.click("button:has-text('标记已报送')")
    page.wait_for_load_state()
    assert "已将 2 家单位标记为已报送" in page.locator(".messages").inner_text()
    assert (
        ReturnFiling.objects.filter(round=rnd, status="submitted", submitted_on=dt.date(2025, 10, 22)).count()
        == 2
    )
    shot(page, "rnd-returns-round")

    # the list of who still owes it, with contacts, as Excel
    with page.expect_download() as download:
        page.click("text=导出未报送名单")
    assert download.value.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    header, *data = list(book.worksheets[0].iter_rows(values_only=True))
    assert [r[header.index("报送单位")] for r in data] == [org_x.name]
    assert data[0][header.index("逾期天数")] == 3

    # the overview shows the progress
    page.goto("/rnd/returns/")
    assert "已逾期3天" in page.locator("table.returns").inner_text()
    shot(page, "rnd-returns-overview")
