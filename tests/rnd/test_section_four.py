"""Section 四 (R&D) as the seed states it: year-to-date R&D on the year's statistics roster (同口径), the
roster count, published ranks with their denominators (and platform ranks only over a complete province or
city), a year-to-date high-tech figure as the statistics bureau publishes it, targets with their comparison
and data year, and returns listed by name. Each dataset holds records that must not count."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kechuang.core import services as core_services
from kechuang.core.models import Region
from kechuang.reports.figures import Period, compute
from kechuang.rnd import services
from kechuang.rnd.models import OfficialFigure
from tests.factories import OrganisationFactory
from tests.rnd.test_indicators import import_economy, import_stats

D = Decimal
Q3_2020 = Period.months(2020, 1, 9)
REPORT = "《2019年度浙江省各县（市、区）科技进步统计监测评价报告》"


@pytest.fixture
def roster(staff_a, staff_b, county_a, county_b):
    """开化县 (A) 2020 roster: 甲, 乙. 丙 reports but is off the 2020 roster (规下); 丁 was on 2019's roster only.
    常山县 (B): 戊 on its roster (other county).

    R&D 1-9月 (quarterly returns, Q1–Q3):
      甲 2020: 3 × 3,000,000 = 9,000,000   2019: 3 × 2,000,000 = 6,000,000   (2019 Q4 5,000,000: outside 1-9月)
      乙 2020: 3 × 1,000,000 = 3,000,000   2019: 3 × 1,000,000 = 3,000,000
      丙 2020: 3 × 4,000,000 (off roster: not counted), 2019: 3 × 100,000 (not counted)
      丁 2019: 3 × 9,000,000 (not on 2020's roster: not in the comparison)
      戊 (B) 2020: 3 × 7,000,000 (other county)
    → A: 12,000,000 against 9,000,000 → +33.33%; roster count 2 (2019: 甲, 丁 → 2, 与上年持平)."""
    jia = OrganisationFactory(name="开化县甲电器有限公司", region=county_a)
    yi = OrganisationFactory(name="开化县乙塑胶有限公司", region=county_a)
    bing = OrganisationFactory(name="开化县丙小微企业", region=county_a)
    ding = OrganisationFactory(name="开化县丁化工有限公司", region=county_a)
    wu = OrganisationFactory(name="常山县戊机械有限公司", region=county_b)
    rows = [(jia, 2020, "季报", q, 3_000_000, 0) for q in (1, 2, 3)]
    rows += [(jia, 2019, "季报", q, 2_000_000, 0) for q in (1, 2, 3)] + [(jia, 2019, "季报", 4, 5_000_000, 0)]
    rows += [(yi, y, "季报", q, 1_000_000, 0) for y in (2019, 2020) for q in (1, 2, 3)]
    rows += [(bing, 2020, "季报", q, 4_000_000, 0) for q in (1, 2, 3)]
    rows += [(bing, 2019, "季报", q, 100_000, 0) for q in (1, 2, 3)]
    rows += [(ding, 2019, "季报", q, 9_000_000, 0) for q in (1, 2, 3)]
    rows += [(wu, 2020, "季报", q, 7_000_000, 0) for q in (1, 2, 3)]
    import_stats(rows)
    for org, year, by in ((jia, 2020, staff_a), (yi, 2020, staff_a), (jia, 2019, staff_a), (ding, 2019, staff_a),
                          (wu, 2020, staff_b)):  # fmt: skip
        core_services.organisation_year_set(organisation=org, year=year, is_above_scale=True, by=by)
    return {"jia": jia, "yi": yi, "bing": bing}


def test_year_to_date_rd_on_the_same_caliber(county_a, roster):
    f = compute("rnd.rd_ytd", county_a, Q3_2020)
    assert f.value == D("12000000.00")
    assert f.text == "2020年1-9月，全县企业R&D经费统计申报数为1200万元，同口径同比增长33.33%"
    # Evidence: 甲's and 乙's three quarters; 丙 (off the roster) and 戊 (other county) are not in it.
    assert f.evidence_count == 6
    assert set(f.evidence.values_list("organisation__name", flat=True)) == {
        "开化县甲电器有限公司",
        "开化县乙塑胶有限公司",
    }


def test_roster_count(county_a, roster):
    f = compute("rnd.above_scale_count", county_a, Period.year_of(2020))
    assert (f.value, f.text) == (2, "全县纳入2020年度统计的规上工业企业共2家，与上年持平")


def test_no_roster_compares_the_reporting_enterprises(county_a, org_x):
    """Without a 2020 list: the enterprises reporting in 2020 (甲 only), against their own 2019 (2,000,000 of
    甲; 丙's 2019 return, absent in 2020, is not compared): 3,000,000 ÷ 2,000,000 → +50.00%."""
    bing = OrganisationFactory(name="开化县丙公司", region=county_a)
    import_stats([(org_x, 2020, "年报", 0, 3_000_000, 0), (org_x, 2019, "年报", 0, 2_000_000, 0),
                  (bing, 2019, "年报", 0, 8_000_000, 0)])  # fmt: skip
    f = compute("rnd.rd_ytd", county_a, Period.year_of(2020))
    assert f.text == (
        "2020年，全县企业R&D经费统计申报数为300万元，同口径同比增长50.00%"
        "（2020年度规上工业企业名录未录入的，按当年报送企业同口径比较）"
    )


def test_no_data_says_so(county_a):
    assert compute("rnd.rd_ytd", county_a, Q3_2020).text == "暂无2020年企业R&D经费统计数据"
    assert compute("rnd.high_tech_va", county_a, Q3_2020).text == "暂无2020年高新技术产业增加值数据"
    assert compute("rnd.above_scale_count", county_a, Q3_2020).value is None


def test_an_amount_nobody_reported_is_not_zero(county_a, org_x):
    """Returns with R&D but no high-tech value added: the share is missing, not 0.00%."""
    import_stats([(org_x, 2020, "月报", m, 100_000, 0) for m in range(1, 10)])
    import_economy([("330824", 2020, 9, 4e9, 3e7)])
    f = compute("rnd.high_tech_share", county_a, Q3_2020)
    assert f.value is None and "0.00%" not in f.text and "暂无" in f.text


def _publish(by, county, **data):
    base = {"county": county, "source": REPORT}
    return services.official_figure_save(by=by, data={**base, **data})


def test_official_sentence_with_its_document_and_ranks(staff_a, county_a):
    """R&D 133,000,000 (2018: 84,000,000 → +58.33%), 0.91% (2018 0.65% → +0.26), both ranked among 89."""
    _publish(staff_a, county_a, year=2019, indicator="rd_expenditure", value=D("133000000"),
             province_rank=82, province_count=89)  # fmt: skip
    _publish(staff_a, county_a, year=2019, indicator="rd_intensity", value=D("0.91"),
             province_rank=29, province_count=89)  # fmt: skip
    _publish(staff_a, county_a, year=2018, indicator="rd_expenditure", value=D("84000000"))
    _publish(staff_a, county_a, year=2018, indicator="rd_intensity", value=D("0.65"))
    # A figure of another county (B) and year 2017 must not count.
    _publish(staff_a, county_a, year=2017, indicator="rd_intensity", value=D("0.10"))
    f = compute("rnd.official_rd", county_a, Period.year_of(2020))
    assert f.value == D("133000000")
    assert f.text == (
        f"根据{REPORT}，2019年R&D经费支出1.33亿元，同比增长58.33%，占GDP比重0.91%，比上年增加0.26个百分点，"
        "全省89个县（市、区）排名分别为第82位和第29位"
    )
    assert f.evidence_model is OfficialFigure and f.evidence_count == 2


def test_a_rank_needs_its_denominator_on_every_path(staff_a, county_a):
    with pytest.raises(ValidationError) as e:
        _publish(staff_a, county_a, year=2019, indicator="rd_intensity", value=D("0.91"), province_rank=29)
    assert "province_count" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        _publish(
            staff_a, county_a, year=2019, indicator="rd_intensity", value=D("0.91"), city_rank=7, city_count=6
        )
    assert "city_rank" in e.value.message_dict


def test_high_tech_value_added_as_published_for_the_span(staff_a, county_a, org_x):
    """The bureau publishes 1-9月: 758,000,000 (全市第5 of 6) and 61.6% (全市第1 of 6); an enterprise return of
    1,000 high-tech value added exists but the published figure is quoted; the full-year 2020 row (12) and a
    1-6月 row are other spans."""
    import_stats([(org_x, 2020, "月报", m, 0, 1_000) for m in range(1, 10)])
    source = "县统计局《统计月报》2020年9月"
    for months, value in ((9, D("758000000")), (6, D("500000000"))):
        _publish(staff_a, county_a, year=2020, months=months, indicator="high_tech_va", value=value,
                 city_rank=5, city_count=6, source=source)  # fmt: skip
    _publish(staff_a, county_a, year=2020, months=9, indicator="high_tech_share", value=D("61.6"),
             city_rank=1, city_count=6, source=source)  # fmt: skip
    va = compute("rnd.high_tech_va", county_a, Q3_2020)
    assert va.value == D("758000000")
    assert (
        va.text
        == "2020年1-9月高新技术产业增加值7.58亿元，居全市6个县（市、区）第5位（数据来源：县统计局《统计月报》2020年9月）"
    )
    assert va.evidence_model is OfficialFigure and va.evidence_count == 1
    share = compute("rnd.high_tech_share", county_a, Q3_2020)
    assert share.value == D("0.616")
    assert "比重61.60%，居全市6个县（市、区）第1位" in share.text


def test_platform_rank_only_over_a_complete_city(staff_a, county_a, reference):
    """R&D intensity 2019 in every county of 衢州市 (the platform holds all of them): 开化县 0.50% ranks 2nd
    of the city's counties; the province is incomplete, so no province rank is quoted."""
    counties = list(
        Region.objects.filter(level=Region.Level.COUNTY, code__startswith="3308").order_by("code")
    )
    rows, economy = [], []
    for i, county in enumerate(counties):
        org = OrganisationFactory(region=county)
        rd = (
            25_000_000 if county.code == "330824" else 10_000_000 * (i + 1) if i == 0 else 1_000_000 * (i + 1)
        )
        rows.append((org, 2019, "年报", 0, rd, 0))
        economy.append((county.code, 2019, 12, 5e9, None))
    import_stats(rows)
    import_economy(economy)
    # 1st county: 10,000,000 ÷ 5e9 = 0.20%; others 1,000,000×(i+1) ÷ 5e9 ≤ 0.12%; 开化县 25,000,000 ÷ 5e9 = 0.50%
    # → 开化县 first of len(counties).
    f = compute("rnd.official_rd", county_a, Period.year_of(2020))
    assert f"全市{len(counties)}个县（市、区）排名分别为第1位和第1位" in f.text
    assert "全省" not in f.text and "平台内" not in f.text


def test_targets_of_last_year_against_its_published_figures(staff_a, county_a):
    """2019 targets (data year 2019, reported in the 2020 summary): R&D ≥ 100,000,000 and intensity > 0.70%;
    published 2019: 133,000,000 and 0.91% → both met. A 2018 target (other data year) is not reported."""
    _publish(staff_a, county_a, year=2019, indicator="rd_expenditure", value=D("133000000"))
    _publish(staff_a, county_a, year=2019, indicator="rd_intensity", value=D("0.91"))
    for year, key, comparison, value in (
        (2019, "rd_expenditure", "gte", D("10000")),
        (2019, "rd_intensity", "gt", D("0.7")),
        (2018, "rd_intensity", "gt", D("5")),
    ):
        services.target_save(by=staff_a, data={"county": county_a, "year": year, "indicator": key,
                                               "comparison": comparison, "value": value * (10_000 if key == "rd_expenditure" else 1)})  # fmt: skip
    f = compute("rnd.target_attainment", county_a, Period.year_of(2020))
    assert f.value == 2 and f.evidence_count == 2
    assert f.text == "已完成原制定的2019年度“R&D经费支出1亿元以上、R&D经费投入强度超过0.70%”的目标"


def test_a_target_above_is_not_met_by_an_equal_value(staff_a, county_a):
    _publish(staff_a, county_a, year=2019, indicator="rd_intensity", value=D("0.70"))
    services.target_save(by=staff_a, data={"county": county_a, "year": 2019, "indicator": "rd_intensity",
                                           "comparison": "gt", "value": D("0.7")})  # fmt: skip
    f = compute("rnd.target_attainment", county_a, Period.year_of(2020))
    assert f.value == 0
    assert f.text == "2019年度目标中，“R&D经费投入强度超过0.70%”，实际0.70%，未完成"
