"""The R&D figures of the annual summary (section 4) on a small hand-built dataset: values, sentences,
evidence, the published figure preferred over the computed one, a city as scope, and a fixed number of
queries whatever the number of enterprises."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kechuang.core import services as core_services
from kechuang.core.models import Region
from kechuang.reports.figures import REGISTRY, Period, compute
from kechuang.rnd import services
from kechuang.rnd.models import EnterpriseStat, Frequency, OfficialFigure, ReturnFiling, ReturnType, Target
from tests.conftest import client_for
from tests.factories import OrganisationFactory
from tests.rnd.test_indicators import import_economy, import_stats

D = Decimal
Y2025 = Period.year_of(2025)
Q3 = Period.months(2025, 1, 9)
KEYS = ["rnd.returns_completed", "rnd.official_rd", "rnd.target_attainment", "rnd.rd_ytd",
        "rnd.above_scale_count", "rnd.high_tech_va", "rnd.high_tech_share"]  # fmt: skip


@pytest.fixture
def world(staff_a, county_a, county_b, org_x, org_y):
    """开化县 (A): 甲 reports monthly, 乙 quarterly; 常山县 (B): one annual reporter.

    A 2023: R&D 10,000,000 (annual)            GDP 5e9 → 0.20%
    A 2024: 甲 1,000,000 × 12, 乙 500,000 × 4   = 14,000,000, GDP 5e9 → 0.28%; growth 40.00%
    A 2025: 甲 1,200,000 × 9, 乙 600,000 × 3    1-9月 12,600,000 (2024 1-9月: 10,500,000 → +20.00%)
            GDP 1-9月 4e9 → 0.315% → 0.32% (half-up); high-tech VA 甲 100,000/month → 900,000 of 30,000,000 = 3.00%
    B 2023: 8,000,000; 2024: 10,000,000, GDP 5e9 each → 0.16%, 0.20%
    """
    second = OrganisationFactory(name="开化县乙新材料有限公司", region=county_a)
    rows = [(org_x, 2023, "年报", 0, 10_000_000, 0)]
    rows += [(org_x, 2024, "月报", m, 1_000_000, 80_000) for m in range(1, 13)]
    rows += [(second, 2024, "季报", q, 500_000, 0) for q in range(1, 5)]
    rows += [(org_x, 2025, "月报", m, 1_200_000, 100_000) for m in range(1, 10)]
    rows += [(second, 2025, "季报", q, 600_000, 0) for q in range(1, 4)]
    rows += [(org_y, 2023, "年报", 0, 8_000_000, 0), (org_y, 2024, "年报", 0, 10_000_000, 0)]
    import_stats(rows)
    import_economy(
        [("330824", 2023, 12, 5e9, None), ("330824", 2024, 12, 5e9, 3e8), ("330824", 2024, 9, 3.6e9, 2.4e7),
         ("330824", 2025, 9, 4e9, 3e7), ("330822", 2023, 12, 5e9, None), ("330822", 2024, 12, 5e9, None)]
    )  # fmt: skip
    for org, year in ((org_x, 2024), (org_x, 2025), (second, 2025)):
        core_services.organisation_year_set(organisation=org, year=year, is_above_scale=True, by=staff_a)
    return {"second": second}


def fig(key, scope, period=Y2025):
    return compute(key, scope, period)


def test_all_seven_are_registered_in_section_4():
    assert all(REGISTRY[k].section == 4 for k in KEYS)


def test_official_rd_computed_then_published(staff_a, county_a, world):
    f = fig("rnd.official_rd", county_a)
    assert f.value == D("14000000.00") and f.unit == "元"
    # Deliberately changed wording: the seed's "占GDP比重…，比上年提高…" sentence; and the platform holds 2 of
    # the province's and of 衢州市's counties only, so its ranks (第1位 of 2) are not quoted.
    assert f.text == (
        "2024年R&D经费支出1400万元，同比增长40.00%，占GDP比重0.28%，比上年增加0.08个百分点"
        "（平台根据企业统计报表计算）"
    )
    assert f.evidence_model is EnterpriseStat and f.evidence_count == 16  # 甲's 12 months and 乙's 4 quarters

    # The monitoring report publishes 0.30% for 2024 (and 0.21% for 2023): the summary quotes those.
    source = "《2024年浙江省科技进步统计监测报告》"

    def publish(year, value, rank):
        services.official_figure_save(
            by=staff_a,
            data={"county": county_a, "year": year, "indicator": "rd_intensity", "value": D(value),
                  "province_rank": rank, "province_count": 89, "city_rank": 2, "city_count": 6, "source": source},
        )  # fmt: skip

    # No published 2023 figure yet: 2024's is compared with 2023 computed from today's data (0.20%).
    publish(2024, "0.30", 35)
    assert (
        "占GDP比重0.30%，比上年增加0.10个百分点，占GDP比重居全省89个县（市、区）第35位、全市6个县（市、区）第2位"
        in fig("rnd.official_rd", county_a).text
    )
    publish(2023, "0.21", 41)  # published against published
    f = fig("rnd.official_rd", county_a)
    assert f.text == (
        f"根据{source}，2024年R&D经费支出1400万元，同比增长40.00%，占GDP比重0.30%，比上年增加0.09个百分点，"
        "占GDP比重居全省89个县（市、区）第35位、全市6个县（市、区）第2位"
    )
    assert f.evidence_model is OfficialFigure and f.evidence_count == 1  # 2024's published rows


def test_rd_year_to_date_with_growth(county_a, world):
    f = fig("rnd.rd_ytd", county_a, Q3)
    # 2025's roster is 甲 and 乙: 甲 1,200,000 × 9 + 乙 600,000 × 3 = 12,600,000; the same two in 2024 1-9月:
    # 1,000,000 × 9 + 500,000 × 3 = 10,500,000 → +20.00%. (Wording deliberately the seed's 统计申报数 sentence.)
    assert f.value == D("12600000.00")
    assert f.text == "2025年1-9月，全县企业R&D经费统计申报数为1260万元，同口径同比增长20.00%"
    assert f.evidence_count == 12  # 9 months of 甲, 3 quarters of 乙
    # The whole year asked for, data reach September: the text names the span actually quoted.
    assert fig("rnd.rd_ytd", county_a).text == f.text
    # Before a quarter ends, 乙's quarterly return is not in the year-to-date figure.
    aug = fig("rnd.rd_ytd", county_a, Period.months(2025, 1, 8))
    assert aug.value == D("10800000.00") and aug.evidence_count == 8 + 2


def test_above_scale_count(county_a, world):
    f = fig("rnd.above_scale_count", county_a)
    assert (f.value, f.text) == (2, "全县纳入2025年度统计的规上工业企业共2家，比上年增加1家")
    assert sorted(f.evidence.values_list("name", flat=True)) == [
        "开化县乙新材料有限公司",
        "开化县甲科技有限公司",
    ]


def test_high_tech_value_added_and_share_with_city_rank(county_a, world):
    va = fig("rnd.high_tech_va", county_a, Q3)
    assert va.value == D("900000.00")
    # 720,000 in 2024 1-9月; alone in its city in the platform, so no rank is claimed
    assert va.text == "2025年1-9月高新技术产业增加值90万元，同比增长25.00%"
    assert va.evidence_count == 9  # the returns with high-tech value added
    share = fig("rnd.high_tech_share", county_a, Q3)
    # 900,000 ÷ 30,000,000 = 3.00%; 2024 1-9月 720,000 ÷ 24,000,000 = 3.00%
    assert share.value == D("0.0300")
    assert share.text == "2025年1-9月高新技术产业增加值占规上工业增加值比重3.00%，较上年同期增加0.00个百分点"


def test_target_attainment(staff_a, county_a, world):
    assert fig("rnd.target_attainment", county_a).text == "暂无2024、2025年度R&D相关目标"
    for key, value in (
        ("rd_expenditure", D("20000000")),
        ("rd_intensity", D("0.30")),
        ("above_scale_count", 3),
    ):
        services.target_save(
            by=staff_a, data={"county": county_a, "year": 2025, "indicator": key, "value": value}
        )
    f = fig("rnd.target_attainment", county_a, Q3)
    assert f.value == 1 and f.evidence_model is Target and f.evidence_count == 3
    # Wording deliberately changed: each target as the bureau states it ("…以上"), the span with its value.
    assert f.text == (
        "2025年度目标中，“规上工业企业数3家以上”，实际2家，未完成；"
        "“R&D经费支出2000万元以上”，1-9月实际1260万元，完成目标的63.00%；"
        "“R&D经费投入强度0.30%以上”，1-9月实际0.32%，达到目标（高出0.02个百分点）"
    )


def test_returns_completed(staff_a, county_a, org_x, world):
    assert fig("rnd.returns_completed", county_a).text == "本期暂无到期的统计报表"
    listed = [org_x, world["second"]]
    torch = services.return_type_save(
        by=staff_a, listed=listed,
        data={"county": county_a, "name": "火炬统计年报", "frequency": Frequency.YEAR,
              "obligation": ReturnType.Obligation.LISTED, "due_workdays": 20},
    )  # fmt: skip
    quarterly = services.return_type_save(
        by=staff_a, listed=[org_x],
        data={"county": county_a, "name": "高企统计季报", "frequency": Frequency.QUARTER,
              "obligation": ReturnType.Obligation.LISTED, "due_workdays": 10},
    )  # fmt: skip
    annual = services.return_round_open(by=staff_a, return_type=torch, year=2024)  # due early 2025
    q1 = services.return_round_open(by=staff_a, return_type=quarterly, year=2025, number=1)
    services.return_round_open(by=staff_a, return_type=quarterly, year=2025, number=4)  # due in January 2026
    for rnd, day in ((annual, dt.date(2025, 2, 1)), (q1, dt.date(2025, 4, 8))):  # each after its period
        filing = ReturnFiling.objects.get(round=rnd, organisation=org_x)
        services.filing_update(by=staff_a, filing=filing, status="submitted", submitted_on=day)
    f = fig("rnd.returns_completed", county_a)
    # 高企统计季报's Q1 round is complete (甲 filed); 火炬统计年报 still owes 乙's filing. Q4's is due in 2026.
    assert f.text == "完成高企统计季报报送工作，火炬统计年报尚有1家次未报送，共报送2家次"
    assert (f.value, f.evidence_count) == (2, 2)
    pending = ReturnFiling.objects.get(round=annual, organisation=world["second"])
    services.filing_update(by=staff_a, filing=pending, status="exempt", note="已注销")
    assert (
        fig("rnd.returns_completed", county_a).text
        == "完成火炬统计年报、高企统计季报等各类统计报送工作，共报送2家次"
    )


def test_a_city_sums_its_counties_without_ranks(county_a, world):
    city = Region.objects.get(code="330800")
    f = fig("rnd.official_rd", city)
    # 14,000,000 + 10,000,000 = 24,000,000 (+33.33% on 18,000,000); 24e6 ÷ 10e9 = 0.24% (0.18% before)
    assert f.value == D("24000000.00")
    assert f.text == (
        "2024年R&D经费支出2400万元，同比增长33.33%，占GDP比重0.24%，比上年增加0.06个百分点"
        "（平台根据企业统计报表计算）"
    )
    assert f.evidence_count == 16 + 1  # both counties' 2024 returns


def test_figures_run_a_fixed_number_of_queries(county_a, world):
    def count(key):
        with CaptureQueriesContext(connection) as ctx:
            fig(key, county_a, Q3).evidence_count  # noqa: B018 - the evidence is part of the figure
        return len(ctx.captured_queries)

    before = {k: count(k) for k in KEYS}
    assert max(before.values()) <= 10
    more = [OrganisationFactory(region=county_a) for _ in range(5)]
    import_stats([(o, 2025, "月报", m, 10_000, 1_000) for o in more for m in range(1, 10)])
    assert {k: count(k) for k in KEYS} == before


def test_the_summary_evidence_pages_list_the_records(staff_a, staff_b, county_a, world):
    from kechuang.reports import summary as s

    services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2024, "indicator": "rd_intensity", "value": D("0.30"),
              "province_rank": 35, "province_count": 89, "city_rank": 2, "city_count": 6,
              "source": "《2024年浙江省科技进步统计监测报告》"},
    )  # fmt: skip
    summary = s.summary_create(by=staff_a, county=county_a, period=Q3)
    client = client_for(staff_a)
    page = client.get(f"/reports/summaries/{summary.pk}/evidence/rnd.rd_ytd/").content.decode()
    assert "共 12 条" in page and "开化县甲科技有限公司" in page and "2025年9月" in page and "120万元" in page
    page = client.get(f"/reports/summaries/{summary.pk}/evidence/rnd.official_rd/").content.decode()
    assert "共 1 条" in page and "0.30%" in page and "35 / 2" in page
    assert client_for(staff_b).get(f"/reports/summaries/{summary.pk}/evidence/rnd.rd_ytd/").status_code == 404
