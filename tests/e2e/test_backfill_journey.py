"""补录 in the browser: a past paid claim through the form (a date today refused, then accepted), a
paid_claims file with a bad row refused and then imported, and the 补录 badge on the pages that show them —
at desktop (1280 px) and phone (390 px) widths, screenshots in test-artifacts/."""

import pytest

from kechuang.programmes.models import Application, Disbursement
from tests.factories import OrganisationFactory
from tests.imports.conftest import xlsx_bytes
from tests.programmes.test_backfill import HEADER, HTE_ITEM, ITEM, history, row  # noqa: F401

from .conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]
WIDTHS = {"desktop": 1280, "phone": 390}


def shots(page, shot, name):
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        shot(page, f"backfill-{name}-{label}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_backfill_a_claim_and_a_file_then_see_the_flag(page, shot, staff_a, org_x, history, tmp_path):  # noqa: F811
    log_in(page, "staff_a", "Kc-test-Passw0rd")
    page.goto("/programmes/funds/")
    page.click("text=补录历史兑现")
    page.fill("input[name=organisation]", org_x.credit_code)
    page.select_option("select[name=programme]", str(history.pk))
    page.fill("input[name=year]", "2019")
    page.fill("input[name=achievement]", HTE_ITEM)
    page.fill("input[name=decided_amount]", "20")
    page.fill("input[name=decision_reference]", "开经信〔2019〕56号")
    page.fill("input[name=decided_on]", "2019-06-20")
    page.fill("input[name=paid_amount]", "20")
    page.fill("input[name=paid_on]", "2030-01-01")
    page.fill("input[name=notice_reference]", "开经信〔2019〕50号")
    page.fill("input[name=notice_published_on]", "2019-06-03")
    page.click("section.card form button[type=submit]")
    assert "须早于今天" in page.inner_text("section.card form")
    shots(page, shot, "form-refused")
    page.fill("input[name=paid_on]", "2019-07-15")
    page.click("section.card form button[type=submit]")
    page.wait_for_url("**/programmes/applications/*/")
    assert "补录" in page.inner_text("h1")
    assert "依据 开经信〔2019〕56号" in page.inner_text("main")
    shots(page, shot, "application")

    other = OrganisationFactory(name="开化云栖科技有限公司")
    bad = [row(other, item=ITEM, amount=100000), row(other, item=ITEM, amount=60000, year=2020,
           decided="2020-05-06", paid_on="2020-06-01", decision="开经信〔2020〕11号", notice="", notice_on=None)]  # fmt: skip
    (tmp_path / "bad.xlsx").write_bytes(xlsx_bytes(HEADER, bad, sheet="补录：已兑现奖励"))
    (tmp_path / "good.xlsx").write_bytes(xlsx_bytes(HEADER, bad[:1], sheet="补录：已兑现奖励"))
    page.goto("/data/upload/?register=paid_claims")
    page.set_input_files("input[type=file]", str(tmp_path / "bad.xlsx"))
    page.click("button:has-text('上传并导入')")
    report = page.locator("#import-report")
    report.wait_for()
    assert "每家上限" in report.inner_text()
    shots(page, shot, "import-rejected")
    assert Application.objects.count() == 1
    page.set_input_files("input[type=file]", str(tmp_path / "good.xlsx"))
    page.select_option("select[name=register]", "paid_claims")
    page.click("button:has-text('上传并导入')")
    page.locator("#import-result").wait_for()
    assert "新增 1 条" in page.inner_text("#import-result")

    page.goto("/programmes/funds/")
    assert page.locator("#results .tag-backfill").count() == 2
    shots(page, shot, "ledger")
    award = Disbursement.objects.get(award__organisation=org_x).award
    page.goto(f"/programmes/awards/{award.pk}/")
    assert page.locator("h1 .tag-backfill").count() == 1
    shots(page, shot, "award")
    page.goto("/programmes/notices/")
    page.click("text=开经信〔2019〕50号（补录）")
    assert "补录的历史公示" in page.inner_text("main")
    shots(page, shot, "notice")
