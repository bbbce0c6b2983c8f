"""The indicator pages: what each role sees, the data-entry pages scoped to the county's staff, the rankings
readable across counties (the province publishes the same tables), the forms in 万元 and percentages, the
API, the home panel and the query budget of the indicator page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.rnd import services
from kechuang.rnd.models import CountyEconomy, Indicator, OfficialFigure, Target
from tests.conftest import client_for
from tests.factories import OrganisationFactory
from tests.rnd.test_indicators import import_economy, import_stats

D = Decimal


@pytest.fixture
def data(staff_a, staff_b, county_a, county_b, org_x, org_y):
    """Two years of returns and GDP for 开化县 (A) and 常山县 (B); A's 2024 intensity 0.25%, B's 0.20%."""
    import_stats(
        [
            (org_x, 2023, "年报", 0, 10_000_000, 300_000_000),
            (org_x, 2024, "年报", 0, "12345678.90", 330_000_000),
            (org_y, 2023, "年报", 0, 8_000_000, 100_000_000),
            (org_y, 2024, "年报", 0, 10_000_000, 150_000_000),
        ]
    )
    import_economy(
        [(c, y, 12, 5_000_000_000, 1_500_000_000) for c in ("330824", "330822") for y in (2023, 2024)]
    )
    services.target_save(
        by=staff_a, data={"county": county_a, "year": 2024, "indicator": "rd_intensity", "value": D("2.6")}
    )
    services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2024, "indicator": "rd_intensity", "value": D("0.26"),
              "province_rank": 40, "province_count": 89, "city_rank": 1, "city_count": 6,
              "source": "《2024年浙江省科技进步统计监测报告》"},
    )  # fmt: skip
    services.target_save(
        by=staff_b,
        data={"county": county_b, "year": 2024, "indicator": "rd_expenditure", "value": D("9900000")},
    )
    return {
        "economy_a": CountyEconomy.objects.get(county=county_a, year=2024),
        "economy_b": CountyEconomy.objects.get(county=county_b, year=2024),
        "target_a": Target.objects.get(county=county_a),
        "official_a": OfficialFigure.objects.get(county=county_a),
    }


def test_the_indicator_page_shows_values_changes_ranks_targets_and_official(staff_a, data):
    page = client_for(staff_a).get(reverse("rnd:indicators"), {"year": 2024, "months": 12})
    assert page.status_code == 200
    html = page.content.decode()
    assert "开化县 R&D 指标与排名" in html
    row = html[html.index('data-key="rd_intensity"') :][:2500]
    assert "0.25%" in row and "0.20%" in row and "增加0.05个百分点" in row  # value, previous, change
    # 0.25% is first against 常山县's 0.20%, but the platform holds 2 of 衢州's 6 counties (and 2 of the
    # province's): its own rank is not one to read off the page — "—", with the reason in the title
    assert "第1/2位" not in row
    assert (
        'title="平台只有全市6个县（市、区）中2个的数据，平台计算的排名不作引用；正式排名请录入公布数据。"'
        in row
    )
    assert "2.60%" in row and "低于目标2.35个百分点" in row
    assert "0.26%" in row and "增加0.01个百分点" in row  # official 0.26% − computed 0.25%
    assert "全省89个县（市、区）第40位" in row  # the published rank with its denominator (deliberately)
    rd = html[html.index('data-key="rd_expenditure"') :][:1500]
    assert "1234.57万元" in rd and "增长23.46%" in rd


def test_the_indicator_page_and_dashboard_have_a_query_budget(
    staff_a, county_a, data, django_assert_max_num_queries
):
    """They read the indicator rows: more enterprises do not mean more queries."""
    client = client_for(staff_a)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("rnd:indicators")).status_code == 200
    with django_assert_max_num_queries(22) as before:
        assert client.get(reverse("rnd:dashboard")).status_code == 200
    more = [OrganisationFactory(region=county_a) for _ in range(15)]
    import_stats([(o, 2024, "年报", 0, 100_000, 10_000) for o in more])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("rnd:indicators")).status_code == 200
    with django_assert_max_num_queries(len(before)):
        assert client.get(reverse("rnd:dashboard")).status_code == 200


@pytest.mark.parametrize("name", ["indicators", "ranking", "dashboard", "economy_list", "official_list",
                                  "target_list", "stats_list", "economy_edit", "official_edit", "target_edit"])  # fmt: skip
def test_pages_render_for_staff(staff_a, data, name):
    assert client_for(staff_a).get(reverse(f"rnd:{name}")).status_code == 200


def test_leaders_read_but_do_not_write(leader_a, data):
    client = client_for(leader_a)
    assert client.get(reverse("rnd:indicators")).status_code == 200
    assert client.get(reverse("rnd:economy_list")).status_code == 200
    assert client.get(reverse("rnd:economy_edit")).status_code == 403
    assert client.post(reverse("rnd:economy_delete", args=[data["economy_a"].pk])).status_code == 404
    assert CountyEconomy.objects.filter(pk=data["economy_a"].pk).exists()


def test_data_entry_is_county_scoped(staff_b, data):
    client = client_for(staff_b)
    for name, record in (("economy", "economy_a"), ("target", "target_a"), ("official", "official_a")):
        pk = data[record].pk
        assert client.get(reverse(f"rnd:{name}_edit", args=[pk])).status_code == 404
        assert client.post(reverse(f"rnd:{name}_delete", args=[pk])).status_code == 404
        assert type(data[record]).objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(action="permission_denied", user__username="staff_b").count() >= 6
    listing = client.get(reverse("rnd:economy_list")).content.decode()
    assert "常山县" in listing and "开化县" not in listing
    assert "开化县" not in client.get(reverse("rnd:target_list")).content.decode()
    assert "开化县" not in client.get(reverse("rnd:official_list")).content.decode()
    stats = client.get(reverse("rnd:stats_list")).content.decode()
    assert "常山县乙材料有限公司" in stats and "开化县甲科技有限公司" not in stats
    # The indicator page of county A is not county B's to read: it falls back to B's own county.
    page = client.get(reverse("rnd:indicators"), {"county": "330824"}).content.decode()
    assert "常山县 R&D 指标与排名" in page
    assert "2.60%" not in page  # county A's target


def test_rankings_show_every_county_of_the_province(staff_b, data):
    """Rankings are public to ranking readers: the province publishes the same table; a rank needs the others."""
    page = client_for(staff_b).get(
        reverse("rnd:ranking"), {"key": "rd_intensity", "year": 2024, "months": 12, "scope": "city"}
    )
    html = page.content.decode()
    table = html[html.index('id="ranking-table"') :]
    assert table.index("开化县") < table.index("常山县")
    assert "0.25%" in table and "0.20%" in table
    assert table.count('class="rnd-mine"') == 1 and "常山县" in table[table.index("rnd-mine") :][:400]


def test_ties_are_visible_in_the_ranking(staff_a, data, org_y):
    import_stats([(org_y, 2024, "年报", 0, "12345678.90", 0)])  # 常山县 now ties with 开化县 at 0.25%
    html = (
        client_for(staff_a)
        .get(reverse("rnd:ranking"), {"key": "rd_intensity", "year": 2024})
        .content.decode()
    )
    table = html[html.index('id="ranking-table"') :]
    assert table.count("第1位") == 2 and table.count('class="rnd-tie"') == 2


def test_city_users_choose_a_county_and_enterprises_are_refused(city_user, enterprise_x, outsider, data):
    page = client_for(city_user).get(reverse("rnd:indicators"), {"county": "330822", "year": 2024})
    assert page.status_code == 200 and "常山县 R&D 指标与排名" in page.content.decode()
    assert client_for(city_user).get(reverse("rnd:economy_edit")).status_code == 403
    for user in (enterprise_x, outsider):
        assert client_for(user).get(reverse("rnd:indicators")).status_code == 403
        assert client_for(user).get(reverse("rnd:dashboard")).status_code == 403
    own = client_for(enterprise_x).get(reverse("rnd:stats_list")).content.decode()
    assert "开化县甲科技有限公司" in own and "常山县乙材料有限公司" not in own
    assert client_for(outsider).get(reverse("rnd:stats_list")).status_code == 403


def test_economy_form_in_wanyuan_refreshes_the_indicators(staff_a, county_a, data):
    client = client_for(staff_a)
    response = client.post(
        reverse("rnd:economy_edit", args=[data["economy_a"].pk]),
        {
            "year": 2024,
            "months": 12,
            "gdp": "400000",
            "above_scale_value_added": "150000",
            "source": "统计年鉴",
        },
    )
    assert response.status_code == 302
    economy = CountyEconomy.objects.get(pk=data["economy_a"].pk)
    assert economy.gdp == D("4000000000") and economy.county_id == "330824"
    # 12,345,678.90 ÷ 4,000,000,000 = 0.3086% → 0.31%
    assert Indicator.objects.get(county=county_a, year=2024, months=12, key="rd_intensity").value == D(
        "0.0031"
    )
    # A county the user does not run is not a choice; a duplicate period is refused with a message.
    bad = client.post(
        reverse("rnd:economy_edit"), {"county": "330822", "year": 2025, "months": 6, "gdp": "1"}
    )
    assert bad.status_code == 200 and "county" in bad.context["form"].errors
    dup = client.post(
        reverse("rnd:economy_edit"), {"county": "330824", "year": 2024, "months": 12, "gdp": "1"}
    )
    assert dup.status_code == 200 and dup.context["form"].errors
    empty = client.post(reverse("rnd:economy_edit"), {"county": "330824", "year": 2025, "months": 6})
    assert "至少填一项" in empty.content.decode()


def test_official_and_target_forms_take_wanyuan_and_percentages(staff_a, county_a, data):
    client = client_for(staff_a)
    ok = client.post(
        reverse("rnd:official_edit"),
        {"county": "330824", "year": 2024, "indicator": "rd_expenditure", "value": "1300", "province_rank": "55",
         "province_count": "89", "months": "12", "source": "《2024年浙江省科技进步统计监测报告》"},
    )  # fmt: skip
    assert ok.status_code == 302
    assert OfficialFigure.objects.get(indicator="rd_expenditure").value == D("13000000")
    edit = client.get(reverse("rnd:official_edit", args=[data["official_a"].pk]))
    assert edit.context["form"].initial["value"] == D("0.26")
    client.post(
        reverse("rnd:target_edit", args=[data["target_a"].pk]),
        {"year": 2024, "indicator": "rd_intensity", "value": "2.8", "note": "政府工作报告"},
    )
    assert Target.objects.get(pk=data["target_a"].pk).value == D("2.8")
    negative = client.post(
        reverse("rnd:target_edit"),
        {"county": "330824", "year": 2025, "indicator": "rd_expenditure", "value": "-1"},
    )
    assert "不能为负数" in negative.content.decode()
    page = client.get(reverse("rnd:indicators"), {"year": 2024}).content.decode()
    rd = page[page.index('data-key="rd_expenditure"') :][:2500]
    assert "1300万元" in rd and "+65.43万元" in rd  # official − computed: 1300 − 1234.567890


def test_dashboard_export_and_api(staff_a, staff_b, data):
    client = client_for(staff_a)
    response = client.get(reverse("rnd:dashboard"), {"year": 2024, "export": "rd-trend"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert AuditEvent.objects.filter(action="export", object_type="rnd.indicator").exists()
    api = client.get("/api/rnd/indicators", {"county": "330824", "year": 2024})
    assert api.status_code == 200
    by_key = {i["key"]: i for i in api.json()}
    assert by_key["rd_intensity"]["value"] == 0.0025 and by_key["rd_intensity"]["city_rank"] == 1
    assert by_key["rd_intensity"]["official"] == 0.0026 and by_key["rd_intensity"]["target"] == 0.026
    assert (
        client_for(staff_b).get("/api/rnd/indicators", {"county": "330824", "year": 2024}).status_code == 403
    )


def test_stream_links_and_home_panel(staff_a, enterprise_x, data):
    stream = client_for(staff_a).get(reverse("stream", args=["rnd"])).content.decode()
    for label in ("指标与排名", "R&amp;D 看板", "县域经济数据", "公布数据", "目标任务", "企业统计数据"):
        assert label in stream
    home = client_for(staff_a).get(reverse("home")).content.decode()
    panel = home[home.index('id="rnd-home"') :][:1500]
    assert "1234.57万元" in panel and "增长23.46%" in panel
    assert "第1/2位" not in panel and "全省—" not in panel  # a rank among 2 of 6 counties is not quoted
    assert 'id="rnd-home"' not in client_for(enterprise_x).get(reverse("home")).content.decode()
    stream = client_for(enterprise_x).get(reverse("stream", args=["rnd"])).content.decode()
    assert "企业统计数据" in stream and reverse("rnd:indicators") not in stream


def test_staff_delete_an_enterprises_statistics_of_a_year_to_reimport(staff_a, staff_b, county_a, org_x):
    """A file imported with the wrong frequency is corrected by removing that enterprise-year and importing
    again; the indicators follow, each removed row is audited, other counties' staff cannot."""
    from kechuang.rnd.models import EnterpriseStat, Indicator

    for month in (1, 2):
        EnterpriseStat.objects.create(
            organisation=org_x, county=county_a, year=2025, frequency="month", number=month,
            first_month=month, last_month=month, rd_expenditure=Decimal("100000"),
        )  # fmt: skip
    EnterpriseStat.objects.create(
        organisation=org_x, county=county_a, year=2024, frequency="year", number=0, first_month=1, last_month=12,
        rd_expenditure=Decimal("900000"),
    )  # fmt: skip
    from kechuang.rnd import indicators

    indicators.refresh([2025])
    assert Indicator.objects.filter(county=county_a, year=2025, key="rd_expenditure").exists()
    url = reverse("rnd:stats_delete") + f"?organisation={org_x.pk}&year=2025"
    assert client_for(staff_b).get(url).status_code == 404  # another county's enterprise looks absent
    page = client_for(staff_a).get(url)
    assert page.status_code == 200 and "2 期" in page.content.decode()
    response = client_for(staff_a).post(reverse("rnd:stats_delete"), {"organisation": org_x.pk, "year": 2025})
    assert response.status_code == 302
    assert list(EnterpriseStat.objects.values_list("year", flat=True)) == [2024]
    assert AuditEvent.objects.filter(action="delete", object_type="rnd.enterprisestat").count() == 2
    assert not Indicator.objects.filter(county=county_a, year=2025, key="rd_expenditure").exists()
