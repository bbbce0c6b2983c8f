"""The super-deduction (研发费用加计扣除) on worked examples, each computed by hand in the comments: the rate
of each month from the rate table (a year boundary inside 2022, 2022→2023, manufacturing from 2021, S&T SMEs
from 2022), the cap on 其他相关费用 across all projects of the year, and the table being data, not code."""

import datetime as dt
from decimal import Decimal

import pytest

from kechuang.rnd import deduction, selectors_projects, services
from kechuang.rnd.models import DeductionRate
from tests.factories import OrganisationFactory
from tests.programmes.fixtures import make_call
from tests.programmes.test_figures import award

pytestmark = pytest.mark.django_db
D = dt.date
SOFTWARE = "6513"  # 应用软件开发, 门类 I: a general enterprise
ELECTRONICS = "3985"  # 电子专用材料制造, 门类 C: a manufacturer


def enterprise(county, name, industry):
    return OrganisationFactory(name=name, region=county, industry_id=industry)


def project(by, org, code, starts_on, ends_on):
    return services.rnd_project_save(
        by=by,
        data={
            "organisation": org,
            "code": code,
            "title": f"{code} 研发",
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )


def spend(by, p, year, month, **amounts):
    services.rnd_expense_set(
        by=by, project=p, year=year, month=month, amounts={k: Decimal(v) for k, v in amounts.items()}
    )


@pytest.fixture
def general(county_a):
    return enterprise(county_a, "开化县软件开发有限公司", SOFTWARE)


@pytest.fixture
def maker(county_a):
    return enterprise(county_a, "开化县电子材料有限公司", ELECTRONICS)


# --- (a) a general enterprise across the boundaries of 2022 ------------------------------------------------


def test_general_enterprise_2022_september_at_75_november_at_100(staff_a, general):
    p = project(staff_a, general, "RD2022-01", D(2022, 1, 1), D(2022, 12, 31))
    spend(staff_a, p, 2022, 9, personnel=100_000)
    spend(staff_a, p, 2022, 11, personnel=100_000)
    result = deduction.deduction_for(general, 2022)
    # September: 公告2021年第6号 keeps 75%; November: 公告2022年第28号 raises Q4 to 100%.
    # 100,000 × 75% + 100,000 × 100% = 75,000 + 100,000 = 175,000.00
    assert result.rates[9] == Decimal("0.75") and result.rates[11] == Decimal("1")
    assert result.deduction == Decimal("175000.00")
    assert result.rate_label == "75%（1-9月）、100%（10-12月）"
    assert result.classes == {"all"}

    view = selectors_projects.deduction_view(organisation=general, year=2022)
    bases = {span.months: [r.basis for r in span.rows] for span in view.spans}
    assert bases == {
        "1-9月": ["财政部 税务总局公告2021年第6号"],
        "10-12月": ["财政部 税务总局 科技部公告2022年第28号"],
    }
    # the spans carry their own arithmetic: 75,000 + 100,000
    assert [(s.base, s.amount) for s in view.spans] == [
        (Decimal("100000.00"), Decimal("75000.00")),
        (Decimal("100000.00"), Decimal("100000.00")),
    ]


def test_general_enterprise_december_2022_and_january_2023(staff_a, general):
    p = project(staff_a, general, "RD2022-02", D(2022, 7, 1), D(2023, 6, 30))
    spend(staff_a, p, 2022, 12, personnel=50_000)
    spend(staff_a, p, 2023, 1, personnel=50_000)
    dec, jan = deduction.deduction_for(general, 2022), deduction.deduction_for(general, 2023)
    # Both months are at 100%, on different grounds: December 2022 under 公告2022年第28号 (Q4 2022 only),
    # January 2023 under 公告2023年第7号 (everyone, from 2023). 50,000 × 100% each.
    assert (dec.rates[12], jan.rates[1]) == (Decimal("1"), Decimal("1"))
    assert (dec.deduction, jan.deduction) == (Decimal("50000.00"), Decimal("50000.00"))
    assert jan.rate_label == "100%"
    dec_basis = selectors_projects.deduction_view(organisation=general, year=2022).spans[-1]
    jan_basis = selectors_projects.deduction_view(organisation=general, year=2023).spans[0]
    assert [r.basis for r in dec_basis.rows] == ["财政部 税务总局 科技部公告2022年第28号"]
    assert [r.basis for r in jan_basis.rows] == ["财政部 税务总局公告2023年第7号"]
    # 2023 as a whole is one span at one rate: 12 months of the 2023年第7号 row
    assert (jan_basis.first, jan_basis.last) == (1, 12)


# --- (b) manufacturing ---------------------------------------------------------------------------------------


def test_manufacturer_at_100_in_2021_while_a_general_enterprise_is_at_75(staff_a, general, maker):
    for org in (general, maker):
        p = project(staff_a, org, "RD2021-01", D(2020, 10, 1), D(2021, 12, 31))
        spend(staff_a, p, 2020, 12, personnel=80_000)
        spend(staff_a, p, 2021, 3, personnel=200_000)
    made, plain = deduction.deduction_for(maker, 2021), deduction.deduction_for(general, 2021)
    # 3985 is in 门类 C: 公告2021年第13号 gives manufacturers 100% from 2021-01-01.
    # manufacturer 200,000 × 100% = 200,000.00; general enterprise 200,000 × 75% = 150,000.00
    assert made.classes == {"all", "manufacturing"} and plain.classes == {"all"}
    assert made.deduction == Decimal("200000.00")
    assert plain.deduction == Decimal("150000.00")
    basis = selectors_projects.deduction_view(organisation=maker, year=2021).spans
    assert [r.basis for r in basis[0].rows] == ["财政部 税务总局公告2021年第13号"]
    # the year before, the manufacturer was at 75% like everyone (财税〔2018〕99号): 80,000 × 75%
    assert deduction.deduction_for(maker, 2020).deduction == Decimal("60000.00")


# --- (c) S&T SMEs ---------------------------------------------------------------------------------------------


def test_registered_tech_sme_at_100_in_2022(staff_a, general, sme, county_a):
    other = enterprise(county_a, "开化县未入库软件有限公司", SOFTWARE)
    for org in (general, other):
        p = project(staff_a, org, "RD2022-03", D(2022, 1, 1), D(2022, 12, 31))
        spend(staff_a, p, 2022, 3, personnel=60_000, direct=40_000)
    # general is registered (入库) as a national S&T SME for 2022 (registered 20 May, valid to 31 December)
    award(staff_a, make_call(staff_a, sme, year=2022), general, D(2022, 5, 20))
    registered, unregistered = deduction.deduction_for(general, 2022), deduction.deduction_for(other, 2022)
    # 公告2022年第16号: S&T SMEs at 100% from 2022-01-01, so March counts at 100%:
    # (60,000 + 40,000) × 100% = 100,000.00 against (60,000 + 40,000) × 75% = 75,000.00
    assert registered.classes == {"all", "tech_sme"}
    assert registered.deduction == Decimal("100000.00")
    assert registered.rate_label == "100%"
    assert unregistered.deduction == Decimal("75000.00")
    spans = selectors_projects.deduction_view(organisation=general, year=2022).spans
    # Q4 2022 gave 100% to the registered SME on two grounds (its own row and 公告2022年第28号)
    assert [sorted(r.basis for r in s.rows) for s in spans] == [
        ["财政部 税务总局 科技部公告2022年第16号"],
        ["财政部 税务总局 科技部公告2022年第16号", "财政部 税务总局 科技部公告2022年第28号"],
    ]
    # a registration is for its year: the 2022 one does not make the enterprise an S&T SME in 2021
    assert deduction.enterprise_classes(general, 2021) == {"all"}


# --- (d) the cap on 其他相关费用 ---------------------------------------------------------------------------


def test_other_expenses_above_the_limit_are_capped(staff_a, general):
    p = project(staff_a, general, "RD2023-01", D(2023, 1, 1), D(2023, 12, 31))
    spend(staff_a, p, 2023, 4, personnel=100_000, direct=50_000, other=30_000)
    result = deduction.deduction_for(general, 2023)
    # five = 150,000; limit = 150,000 × 10% ÷ (1 − 10%) = 15,000 ÷ 0.9 = 16,666.666… → 16,666.67
    # allowed = min(30,000, 16,666.67) = 16,666.67; excess 13,333.33
    # deduction at 100% (2023): 150,000 + 16,666.67 = 166,666.67
    assert result.five == Decimal("150000")
    assert result.other_limit == Decimal("16666.67")
    assert result.other_allowed == Decimal("16666.67")
    assert result.other_excess == Decimal("13333.33")
    assert result.allowed_total == Decimal("166666.67")
    assert result.deduction == Decimal("166666.67")


def test_other_expenses_below_the_limit_count_in_full(staff_a, general):
    p = project(staff_a, general, "RD2023-02", D(2023, 1, 1), D(2023, 12, 31))
    spend(staff_a, p, 2023, 4, personnel=100_000, direct=50_000, other=10_000)
    result = deduction.deduction_for(general, 2023)
    # limit 16,666.67 as above; 10,000 is below it: allowed 10,000, nothing excess
    # deduction 150,000 + 10,000 = 160,000.00
    assert (result.other_limit, result.other_allowed, result.other_excess) == (
        Decimal("16666.67"),
        Decimal("10000"),
        Decimal("0"),
    )
    assert result.deduction == Decimal("160000.00")


def test_the_cap_applies_to_the_sum_of_all_projects_of_the_year(staff_a, general):
    a = project(staff_a, general, "RD2023-A", D(2023, 1, 1), D(2023, 12, 31))
    b = project(staff_a, general, "RD2023-B", D(2023, 1, 1), D(2023, 12, 31))
    spend(staff_a, a, 2023, 5, personnel=50_000, other=15_000)  # alone: limit 5,555.56, would lose 9,444.44
    spend(staff_a, b, 2023, 6, personnel=100_000, other=1_000)  # alone: limit 11,111.11, well below
    result = deduction.deduction_for(general, 2023)
    # Project by project the allowed total would be 5,555.56 + 1,000 = 6,555.56. Across the year:
    # five = 150,000, other = 16,000, limit = 16,666.67 → all 16,000 allowed.
    # deduction at 100%: 150,000 + 16,000 = 166,000.00
    assert result.other_actual == Decimal("16000")
    assert result.other_limit == Decimal("16666.67")
    assert result.other_allowed == Decimal("16000")
    assert result.deduction == Decimal("166000.00")
    shares = {
        s.project.code: s for s in selectors_projects.deduction_view(organisation=general, year=2023).projects
    }
    assert shares["RD2023-A"].other_allowed == Decimal("15000.00")
    assert shares["RD2023-A"].deduction == Decimal("65000.00")
    assert shares["RD2023-B"].deduction == Decimal("101000.00")


def test_the_cap_with_two_projects_when_the_sum_exceeds_it(staff_a, general):
    a = project(staff_a, general, "RD2023-C", D(2023, 1, 1), D(2023, 12, 31))
    b = project(staff_a, general, "RD2023-D", D(2023, 1, 1), D(2023, 12, 31))
    spend(staff_a, a, 2023, 5, personnel=90_000, other=20_000)
    spend(staff_a, b, 2023, 6, personnel=90_000, other=0)
    result = deduction.deduction_for(general, 2023)
    # five = 180,000; limit = 18,000 ÷ 0.9 = 20,000.00 exactly; other 20,000 + 0 = 20,000 → all allowed.
    assert (result.other_limit, result.other_allowed) == (Decimal("20000.00"), Decimal("20000"))
    spend(staff_a, b, 2023, 7, other=5_000)
    result = deduction.deduction_for(general, 2023)
    # adding 5,000 of 其他相关费用 to project B (its own five is 90,000, its own limit 10,000) pushes the
    # year over: other 25,000 > limit 20,000 → 5,000 not deductible, though each project is under its own.
    assert (result.other_actual, result.other_allowed, result.other_excess) == (
        Decimal("25000"),
        Decimal("20000.00"),
        Decimal("5000.00"),
    )
    assert result.deduction == Decimal("200000.00")  # (180,000 + 20,000) × 100%


# --- the table is data -------------------------------------------------------------------------------------------


def test_a_new_rate_row_changes_the_rate_without_code(staff_a, general):
    p = project(staff_a, general, "RD2024-01", D(2024, 1, 1), D(2024, 12, 31))
    spend(staff_a, p, 2024, 2, personnel=100_000)
    spend(staff_a, p, 2024, 8, personnel=100_000)
    assert deduction.deduction_for(general, 2024).deduction == Decimal("200000.00")  # 2023年第7号: 100%
    # a (hypothetical) announcement raising everyone's rate to 120% from July 2024: one new row
    DeductionRate.objects.create(
        applies_to="all", valid_from=D(2024, 7, 1), rate=Decimal("1.2"), basis="测试公告2024年第1号"
    )
    result = deduction.deduction_for(general, 2024)
    # February 100,000 × 100% + August 100,000 × 120% = 220,000.00
    assert result.deduction == Decimal("220000.00")
    assert result.rate_label == "100%（1-6月）、120%（7-12月）"
    spans = selectors_projects.deduction_view(organisation=general, year=2024).spans
    assert [r.basis for r in spans[-1].rows] == ["测试公告2024年第1号"]
