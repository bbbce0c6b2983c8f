"""The annual summary in a real browser: staff create the 2026 summary of a county where claims were paid,
open it, click a figure and see the records behind it, edit the prose around the figure chips, and
download the Word file."""

import docx
import pytest

from kechuang.reports import summary as s
from kechuang.reports.figures import Period
from kechuang.reports.models import Summary
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.reports.test_summary import paid_claims

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_paid_claims(staff_a, county_a, hte, incentive):
    return paid_claims(staff_a, county_a, hte, incentive, 2)


def test_staff_create_the_summary_click_a_figure_see_its_evidence_and_download_word(
    page, shot, staff_a, county_a, two_paid_claims
):
    log_in(page, "staff_a", PASSWORD)
    page.goto("/reports/summaries/")
    page.click("text=新建工作总结")
    page.fill("input[name=year]", "2026")
    page.check("input[name=span][value=year]")
    shot(page, "summary-create")
    page.click("button:has-text('生成初稿')")
    page.wait_for_selector("article.summary-doc")
    summary = Summary.objects.get(county=county_a)
    assert page.url.endswith(f"/reports/summaries/{summary.pk}/")
    headings = page.locator(".summary-section:not(.summary-closing) h2").all_inner_texts()
    assert headings == [sec.heading for sec in s.render(summary).sections] and len(headings) == 8
    # the seed's shape: the opening, 一、…主要工作 over the eight, then the two parts staff write
    assert page.locator(".summary-opening p").first.inner_text().startswith("2026年，")
    assert page.locator("h2.summary-level1").all_inner_texts() == [
        "一、2026年主要工作",
        "二、存在的问题",
        "三、下一步工作思路",
    ]
    figure = page.locator("a.fig[data-key='policy.claims']")
    assert "申报的2家企业的2个奖励项目" in figure.inner_text()
    figure.hover()
    shot(page, "summary-detail")
    # on paper: the document alone, its title centred, no buttons, menus or figure badges
    page.emulate_media(media="print")
    assert page.locator(".summary-doc-title").is_visible()
    assert not page.locator(".head-actions").is_visible() and not page.locator(".sidenav").is_visible()
    shot(page, "summary-print")
    page.emulate_media(media="screen")

    # the figure's evidence: exactly the two claims paid, each by its enterprise
    figure.click()
    page.wait_for_selector("table.evidence-table")
    assert "政策申报兑现" in page.locator("h1").inner_text()
    names = page.locator("table.evidence-table tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(n.split(" · ")[0] for n in names) == sorted(c.organisation.name for c in two_paid_claims)
    shot(page, "summary-evidence")

    # back to the summary and download the Word file
    page.go_back()
    page.wait_for_selector("article.summary-doc")
    with page.expect_download() as download_info:
        page.click("text=下载 Word")
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    document = docx.Document(download.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "（一）政策激励工作" in text and "申报的2家企业的2个奖励项目" in text


def test_the_editor_keeps_placeholders_as_chips_and_inserts_a_figure(page, shot, staff_a, county_a):
    summary = s.summary_create(by=staff_a, county=county_a, period=Period.year_of(2026))
    before = summary.sections["1"]
    log_in(page, "staff_a", PASSWORD)
    page.goto(f"/reports/summaries/{summary.pk}/edit/")
    editor = page.locator(".editor-section[data-section='1'] .editor")
    assert editor.is_visible() and not page.locator("#id_section_1").is_visible()
    chips = editor.locator(".chip")
    assert chips.count() == len(s.PLACEHOLDER.findall(before))
    assert chips.first.get_attribute("contenteditable") == "false"

    # type at the end of the section, then insert a figure at the caret
    editor.locator("div").last.click()
    page.keyboard.press("End")
    page.keyboard.type("另外，")
    page.click(".editor-section[data-section='1'] .figure-insert[data-key='policy.documents']")
    page.keyboard.type("。")
    shot(page, "summary-editor")
    page.click("button:has-text('保存')")
    page.wait_for_selector("article.summary-doc")
    summary.refresh_from_db()
    after = summary.sections["1"]
    assert after.startswith(before) and after.endswith("另外，{policy.documents}。")
    assert s.PLACEHOLDER.findall(after) == [*s.PLACEHOLDER.findall(before), "policy.documents"]
