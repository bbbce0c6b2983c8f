"""The main journey in a real browser: staff log in, download the enterprise template, import a
sheet with an error, read the report, fix the file, import it, find the enterprises and export them."""

import io

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent, Organisation
from tests.e2e.conftest import log_in
from tests.factories import credit_code_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROWS = [
    ("开化县钱江源茶业有限公司", credit_code_for(5001), "企业", "华埠镇", "1530"),
    ("开化县根雕工艺品有限公司", credit_code_for(5002), "企业", "330824", "2439"),
    ("开化县硅材料科技有限公司", credit_code_for(5003), "企业", "330824", "3985"),
]


def filled_template(template_path, rows):
    book = openpyxl.load_workbook(template_path)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    column = {label: i + 1 for i, label in enumerate(headers) if label}
    for r, (name, code, kind, region, industry) in enumerate(rows, start=2):
        sheet.cell(r, column["名称"], name)
        sheet.cell(r, column["统一社会信用代码"], code)
        sheet.cell(r, column["类型"], kind)
        sheet.cell(r, column["所在地"], region)
        sheet.cell(r, column["行业代码"], industry)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_staff_import_with_an_error_then_fixed_then_listed_and_exported(page, shot, staff_a, tmp_path):
    log_in(page, "staff_a", "Kc-test-Passw0rd")
    page.click("nav >> text=Excel 导入导出")
    shot(page, "import-index")

    with page.expect_download() as download:
        page.click("tr:has-text('企业与机构') >> text=下载模板")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    # Row 3 of the sheet (the second enterprise) has a wrong check character.
    good = ROWS[1][1]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    bad_rows = [ROWS[0], (ROWS[1][0], wrong, *ROWS[1][2:]), ROWS[2]]
    (tmp_path / "bad.xlsx").write_bytes(filled_template(template, bad_rows))
    (tmp_path / "good.xlsx").write_bytes(filled_template(template, ROWS))

    page.goto("/data/upload/?register=organisations")
    page.set_input_files("input[type=file]", str(tmp_path / "bad.xlsx"))
    page.click("button:has-text('上传并导入')")
    report = page.locator("#import-report")
    report.wait_for()
    text = report.inner_text()
    assert "导入失败" in text
    assert "统一社会信用代码" in text and f"应为“{good[17]}”" in text
    row_cells = report.locator("tbody tr td:first-child").all_inner_texts()
    assert row_cells == ["3"], row_cells
    shot(page, "import-rejected")
    assert not Organisation.objects.filter(name__in=[r[0] for r in ROWS]).exists()

    page.set_input_files("input[type=file]", str(tmp_path / "good.xlsx"))
    page.select_option("select[name=register]", "organisations")
    page.click("button:has-text('上传并导入')")
    result = page.locator("#import-result")
    result.wait_for()
    assert "新增 3 条" in result.inner_text()
    shot(page, "import-succeeded")
    assert AuditEvent.objects.filter(action="import", user=staff_a).exists()

    page.click("nav >> text=企业与机构")
    page.fill("input[name=q]", "开化县")
    page.wait_for_function("document.querySelector('#results').innerText.includes('钱江源茶业')")
    listed = page.locator("#results").inner_text()
    for name, *_ in ROWS:
        assert name in listed
    shot(page, "organisations-after-import")

    with page.expect_download() as download:
        page.click("text=导出 Excel")
    exported = tmp_path / "export.xlsx"
    download.value.save_as(exported)
    sheet = CalamineWorkbook.from_path(str(exported)).get_sheet_by_index(0).to_python()
    names = {row[0] for row in sheet[1:]}
    assert {r[0] for r in ROWS} <= names


def test_pages_render_in_chinese_with_local_assets(page, shot, staff_a, org_x, expert_person_a):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    log_in(page, "staff_a", "Kc-test-Passw0rd")
    shot(page, "home-staff")
    page.goto(f"/orgs/{org_x.pk}/")
    assert org_x.credit_code in page.inner_text("main")
    shot(page, "organisation-detail")
    page.goto(f"/people/{expert_person_a.pk}/")
    shot(page, "person-detail")
    page.goto("/streams/commissioners/")
    assert "建设中" in page.inner_text("main")
    page.goto("/orgs/new/")
    page.fill("input[name=name]", "测试")
    page.fill("input[name=credit_code]", "91330824MA2X000000")
    page.click("button:has-text('保存')")
    assert "校验位" in page.inner_text("main")
    shot(page, "organisation-form-error")
    # Every asset came from the live server itself: nothing from the internet.
    live = page.url.split("/orgs/")[0]
    assert all(u.startswith(live) or u.startswith("data:") for u in requests), [
        u for u in requests if not u.startswith(live)
    ]
    # htmx was loaded from the local static files.
    assert page.evaluate("typeof window.htmx") == "object"


def test_english_is_available(page, staff_a):
    log_in(page, "staff_a", "Kc-test-Passw0rd")
    page.select_option("select[name=language]", "en")
    page.wait_for_function("document.querySelector('nav').innerText.includes('Organisations')")
    assert "Work streams" in page.inner_text("nav")
    assert page.get_attribute("html", "lang") == "en"
    # And back to Chinese.
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_function("document.querySelector('nav').innerText.includes('企业与机构')")
