"""An enterprise keeps its R&D expense collection in real Chromium: log in, register a project, fill two
months of the grid (the totals follow as it types), save, and read the super-deduction it yields."""

from django.utils import timezone

from kechuang.rnd.models import RndExpense, RndProject
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def test_enterprise_collects_expenses_and_sees_its_deduction(page, shot, enterprise_x, org_x):
    year = timezone.localdate().year
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, "enterprise_x", PASSWORD)

    page.goto("/rnd/projects/")
    page.click("text=登记研发项目")
    assert page.locator("select[name=organisation]").count() == 0  # its own organisation, no choice
    page.fill("input[name=code]", f"RD{year}-01")
    page.fill("input[name=title]", "高导热电子浆料研发")
    page.select_option("select[name=kind]", "cooperative")
    page.fill("input[name=starts_on]", f"{year}-01-01")
    page.fill("input[name=ends_on]", f"{year}-12-31")
    page.fill("input[name=budget]", "800000")
    page.fill("input[name=staff]", "6")
    page.click("button:has-text('保存')")
    page.wait_for_url("**/rnd/projects/*/")
    assert "已保存研发项目" in page.locator(".messages").inner_text()

    # January: 100,000 personnel + 30,000 other; February: 50,000 direct
    page.fill("input[name='m1-personnel']", "100,000")
    page.fill("input[name='m1-other']", "30000")
    page.fill("input[name='m2-direct']", "50000")
    assert page.locator("tr[data-month='1'] [data-row-total]").inner_text() == "130000.00"
    assert page.locator("[data-grand-total]").inner_text() == "180000.00"
    page.click("button:has-text('归集表')")
    page.wait_for_url(f"**/rnd/projects/*/?year={year}")
    assert f"已保存{year}年研发费用归集（1、2月）" in page.locator(".messages").inner_text()
    project = RndProject.objects.get(code=f"RD{year}-01")
    assert project.organisation == org_x
    assert sorted(RndExpense.objects.filter(project=project).values_list("month", flat=True)) == [1, 2]

    page.click(f"text={year}年加计扣除测算")
    page.wait_for_url("**/rnd/deduction/**")
    # five = 150,000 → limit 150,000 × 10% ÷ 90% = 16,666.67 < 30,000; org_x makes electronic materials
    # (3985, 门类 C): 100% → (150,000 + 16,666.67) × 100% = 166,666.67
    assert page.locator("#deduction-amount").inner_text() == "16.67万元"
    formula = page.locator("#other-cap-formula").inner_text()
    assert "150,000.00 × 10% ÷ 90%" in formula and "16,666.67" in formula
    assert "166,666.67" in page.locator("main").inner_text()
    assert not errors
    shot(page, "rnd-deduction-enterprise")
