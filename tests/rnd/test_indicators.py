"""County indicators on hand-computed values: R&D intensity, its change in 百分点 against the prior year as
revised, YoY growth, half-up rounding (四舍五入) where half-even would differ, ranks with ties among the
province's and the city's counties, and the refresh that follows every change of an input (a statistics
import, county_economy_save, a 规上 status) without anyone calling refresh."""

from decimal import Decimal

import pytest

from kechuang.core import services as core_services
from kechuang.core import units
from kechuang.core.models import Region
from kechuang.imports import services as imports
from kechuang.rnd import indicators, services
from kechuang.rnd.models import Indicator, IndicatorKey
from tests.factories import OrganisationFactory
from tests.imports.conftest import xlsx_bytes

D = Decimal
K = IndicatorKey
STATS_HEADER = [
    "统一社会信用代码",
    "年度",
    "报告期类型",
    "期别",
    "R&D经费内部支出（元）",
    "高新技术产业增加值（元）",
]
ECONOMY_HEADER = ["县（市、区）", "年度", "截至月份", "地区生产总值（元）", "规上工业增加值（元）"]


def import_stats(rows, by=None):
    """rows: (organisation, year, 月报/季报/年报, 期别, R&D, high-tech value added)."""
    data = [[o.credit_code, y, f, n, rd, ht] for o, y, f, n, rd, ht in rows]
    return imports.import_file(
        register="enterprise_stats", file=xlsx_bytes(STATS_HEADER, data, sheet="企业统计数据"), by=by
    )


def import_economy(rows, by=None):
    """rows: (county code, year, months, GDP, above-scale industrial value added)."""
    return imports.import_file(
        register="county_economy",
        file=xlsx_bytes(ECONOMY_HEADER, [list(r) for r in rows], sheet="县域经济"),
        by=by,
    )


def row(county, year, key, months=12):
    code = county.code if isinstance(county, Region) else county
    return Indicator.objects.get(county_id=code, year=year, months=months, key=key)


def org_in(code, name=None):
    return OrganisationFactory(region=Region.objects.get(code=code), **({"name": name} if name else {}))


# --- pure functions -------------------------------------------------------------------------------------------


def test_rounding_helpers_are_half_up():
    # 0.00245 lies exactly between 0.0024 and 0.0025: half-up gives 0.0025 (banker's rounding would give 0.0024)
    assert indicators.ratio(D("2450000"), D("1000000000")) == D("0.0025")
    assert indicators.growth(D("100005"), D("100000")) == D("0.0001")  # +0.005% exactly: up
    assert indicators.growth(D("99995"), D("100000")) == D("-0.0001")  # half-up rounds away from zero
    assert indicators.growth(D("1"), D("0")) is None and indicators.ratio(D("1"), None) is None
    assert indicators.rounded(K.RD_EXPENDITURE, D("0.005")) == D("0.01")


def test_competition_ranks_share_and_skip():
    ranks = indicators.competition_ranks({"a": D("3"), "b": D("2"), "c": D("2"), "d": D("2"), "e": D("1")})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 2, "e": 5}


# --- hand-computed indicators through the real inputs ------------------------------------------------------------


def test_intensity_points_and_growth_against_the_revised_prior_year(staff_a, county_a, org_x):
    import_stats([(org_x, 2023, "年报", 0, 10_000_000, 0), (org_x, 2024, "年报", 0, "12345678.90", 0)])
    for year in (2023, 2024):
        services.county_economy_save(
            by=staff_a, data={"county": county_a, "year": year, "months": 12, "gdp": D("5000000000")}
        )

    intensity = row(county_a, 2024, K.RD_INTENSITY)
    # 12,345,678.90 ÷ 5,000,000,000 = 0.24691357…% → published to two places of a percent: 0.25%
    assert intensity.value == D("0.0025") and units.percent(intensity.value) == "0.25%"
    assert intensity.previous == D("0.0020")  # 10,000,000 ÷ 5e9
    assert intensity.change == D("0.0005") and units.points(intensity.change) == "增加0.05个百分点"
    rd = row(county_a, 2024, K.RD_EXPENDITURE)
    assert (rd.value, rd.previous) == (D("12345678.90"), D("10000000.00"))
    assert rd.change == D("0.2346")  # 23.456789% → 23.46%
    assert row(county_a, 2024, K.RD_GROWTH).value == D("0.2346")

    # The 2023 return is revised upward: 2024's previous figure and change follow, nobody calls refresh.
    import_stats([(org_x, 2023, "年报", 0, 11_000_000, 0)])
    intensity = row(county_a, 2024, K.RD_INTENSITY)
    assert intensity.previous == D("0.0022") and intensity.change == D("0.0003")
    assert units.points(intensity.change) == "增加0.03个百分点"
    rd = row(county_a, 2024, K.RD_EXPENDITURE)
    assert rd.previous == D("11000000.00")
    assert rd.change == D("0.1223")  # 1,345,678.90 ÷ 11,000,000 = 12.2334…%
    # A fall is a negative change, shown as 减少.
    import_stats([(org_x, 2023, "年报", 0, 13_000_000, 0)])
    intensity = row(county_a, 2024, K.RD_INTENSITY)
    assert intensity.change == D("-0.0001") and units.points(intensity.change) == "减少0.01个百分点"


def test_half_up_cases_through_the_refresh(staff_a, county_a, org_x):
    # R&D 2,450,000 of GDP 1,000,000,000 = 0.245% exactly → 0.25%; growth 100,005 on 100,000 → 0.01%
    import_stats([(org_x, 2024, "年报", 0, 2_450_000, 100_000), (org_x, 2025, "年报", 0, 2_450_000, 100_005)])
    services.county_economy_save(
        by=staff_a,
        data={
            "county": county_a,
            "year": 2024,
            "months": 12,
            "gdp": D("1e9"),
            "above_scale_value_added": D("8e6"),
        },
    )
    assert row(county_a, 2024, K.RD_INTENSITY).value == D("0.0025")
    assert row(county_a, 2025, K.HIGH_TECH_VA).change == D("0.0001")
    # high-tech share 100,000 ÷ 8,000,000 = 1.25% (exact)
    assert row(county_a, 2024, K.HIGH_TECH_SHARE).value == D("0.0125")


def test_year_to_date_sums_the_periods_ended(county_a, org_x):
    other = org_in("330824")
    import_stats(
        [
            (org_x, 2025, "月报", 1, 100, 0),
            (org_x, 2025, "月报", 2, 200, 0),
            (org_x, 2025, "月报", 3, 300, 0),
            (other, 2025, "季报", 1, 1000, 0),
            (org_x, 2024, "月报", 1, 50, 0),
            (org_x, 2024, "月报", 3, 50, 0),
            (other, 2024, "季报", 1, 900, 0),
        ]
    )
    assert row(county_a, 2025, K.RD_EXPENDITURE, 2).value == D("300")  # the quarter has not ended by February
    march = row(county_a, 2025, K.RD_EXPENDITURE, 3)
    assert (march.value, march.previous, march.change) == (D("1600"), D("1000"), D("0.6"))


# --- ranks ------------------------------------------------------------------------------------------------------


def test_ties_share_a_rank_in_province_and_city(reference):
    # Five counties of 衢州市 and one of 杭州市; three round to the same intensity (0.25%).
    rd = {"330803": 3_000_000, "330824": 2_460_000, "330822": 2_540_000, "330802": 2_500_000,
          "330881": 2_000_000, "330102": 4_000_000}  # fmt: skip
    import_stats([(org_in(code), 2024, "年报", 0, amount, 0) for code, amount in rd.items()])
    import_economy([(code, 2024, 12, 1_000_000_000, None) for code in rd])

    def ranks(code):
        r = row(code, 2024, K.RD_INTENSITY)
        return r.value, r.province_rank, r.province_count, r.city_rank, r.city_count

    assert ranks("330102") == (D("0.0040"), 1, 6, 1, 1)  # alone in its city
    assert ranks("330803") == (D("0.0030"), 2, 6, 1, 5)
    for tied in ("330824", "330822", "330802"):
        assert ranks(tied) == (D("0.0025"), 3, 6, 2, 5)
    assert ranks("330881") == (D("0.0020"), 6, 6, 5, 5)  # the next rank skips the ties
    # R&D amounts differ, so their ranks do not tie
    assert [row(c, 2024, K.RD_EXPENDITURE).city_rank for c in ("330822", "330802", "330824")] == [2, 3, 4]


# --- refresh follows the inputs ----------------------------------------------------------------------------------


def test_refresh_follows_imports_economy_saves_and_above_scale_status(staff_a, county_a, org_x):
    assert not Indicator.objects.exists()
    import_stats([(org_x, 2025, "月报", 1, 1_000, 0)], by=staff_a)
    assert row(county_a, 2025, K.RD_EXPENDITURE, 1).value == D("1000")
    assert not Indicator.objects.filter(key=K.RD_INTENSITY).exists()

    economy = services.county_economy_save(
        by=staff_a, data={"county": county_a, "year": 2025, "months": 1, "gdp": D("1000000")}
    )
    assert row(county_a, 2025, K.RD_INTENSITY, 1).value == D("0.0010")
    services.county_economy_save(
        by=staff_a,
        data={"county": county_a, "year": 2025, "months": 1, "gdp": D("500000")},
        instance=economy,
    )
    assert row(county_a, 2025, K.RD_INTENSITY, 1).value == D("0.0020")
    services.county_economy_delete(by=staff_a, row=economy)
    assert not Indicator.objects.filter(key=K.RD_INTENSITY).exists()

    core_services.organisation_year_set(organisation=org_x, year=2025, is_above_scale=True, by=staff_a)
    assert row(county_a, 2025, K.ABOVE_SCALE_COUNT).value == 1
    second = org_in("330824")
    core_services.organisation_year_set(organisation=second, year=2025, is_above_scale=True, by=staff_a)
    assert row(county_a, 2025, K.ABOVE_SCALE_COUNT).value == 2
    core_services.organisation_year_set(organisation=org_x, year=2025, is_above_scale=False, by=staff_a)
    assert row(county_a, 2025, K.ABOVE_SCALE_COUNT).value == 1
    # The prior year's list changes the following year's previous figure and change.
    core_services.organisation_year_set(organisation=org_x, year=2024, is_above_scale=True, by=staff_a)
    count = row(county_a, 2025, K.ABOVE_SCALE_COUNT)
    assert (count.previous, count.change) == (1, 0)


def test_a_rejected_import_leaves_the_indicators_alone(staff_a, county_a, org_x):
    import_stats([(org_x, 2025, "月报", 1, 1_000, 0)], by=staff_a)
    before = list(Indicator.objects.values_list("key", "value", "refreshed_at"))
    with pytest.raises(imports.ImportRejected):
        import_stats([(org_x, 2025, "月报", 1, 2_000, 0), (org_x, 2025, "月报", 13, 1, 0)], by=staff_a)
    assert list(Indicator.objects.values_list("key", "value", "refreshed_at")) == before


def test_prior_year_list_refreshes_a_year_that_has_only_a_list(staff_a, county_a, org_x):
    """A year with a 规上 list but no statistics or economy data yet still follows its prior year."""
    core_services.organisation_year_set(organisation=org_x, year=2026, is_above_scale=True, by=staff_a)
    assert row(county_a, 2026, K.ABOVE_SCALE_COUNT).previous is None
    core_services.organisation_year_set(organisation=org_x, year=2025, is_above_scale=True, by=staff_a)
    count = row(county_a, 2026, K.ABOVE_SCALE_COUNT)
    assert (count.previous, count.change) == (1, 0)
