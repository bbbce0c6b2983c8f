"""Dashboards per role: every number a chart shows is the figure registry's (compute) or a programmes
selector's; each chart's table and Excel export carry the same rows; nothing crosses counties.

Dataset (through the services), county A 开化县 (330824) and county B 常山县 (330822), both in 衢州市:
  county A — 高新技术企业: 开化县甲 recognised 2025-06-30, 开化县乙 2025-09-01, 开化县丙 2024-07-01;
             省重点研发计划: 开化县乙 approved 2025-08-01 with 3,000,000, 开化县丙 2024-12-20 with 800,000;
             provincial money paid for 乙's project 2025-10-01: 1,000,000 (fiscal 2025);
             the policy claim of 开化县甲 paid 2025-12-20: 200,000 (county budget, fiscal 2025).
  county B — 高新技术企业: 常山县乙 recognised 2025-11-20; 省重点研发计划: 常山县乙 approved 2025-08-01 with
             9,000,000 (the numbers county A's pages must never show)."""

import datetime as dt
import json
import re
from decimal import Decimal
from io import BytesIO

import pytest
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent, Region
from kechuang.programmes import services
from kechuang.reports.dashboards import KEY_FIGURES
from kechuang.reports.figures import Period, compute
from tests.conftest import client_for
from tests.programmes.fixtures import make_call
from tests.programmes.test_figures import approve, award, org, pay_claim, project, qualification, submit

D = dt.date
URL = "/reports/dashboard/"


@pytest.fixture
def data(staff_a, staff_b, county_a, county_b, org_x, hte, key_rd, incentive):
    b = org("开化县乙科技有限公司", county_a)
    c = org("开化县丙科技有限公司", county_a)
    hte_2025, hte_2024 = make_call(staff_a, hte, year=2025), make_call(staff_a, hte, year=2024)
    award(staff_a, hte_2025, org_x, D(2025, 6, 30))
    award(staff_a, hte_2025, b, D(2025, 9, 1))
    award(staff_a, hte_2024, c, D(2024, 7, 1))
    project_b = award(
        staff_a,
        make_call(staff_a, key_rd, year=2025),
        b,
        D(2025, 8, 1),
        title="电机",
        amount=Decimal(3_000_000),
    )
    award(
        staff_a,
        make_call(staff_a, key_rd, year=2024),
        c,
        D(2024, 12, 20),
        title="旧项目",
        amount=Decimal(800_000),
    )
    services.disbursement_create(
        by=staff_a, award=project_b, today=D(2025, 10, 1),
        data={"amount": Decimal(1_000_000), "source": "provincial", "fiscal_year": 2025,
              "paid_on": D(2025, 10, 1), "voucher_no": "省-2025-1", "tranche": 1},
    )  # fmt: skip
    pay_claim(
        staff_a, make_call(staff_a, incentive, year=2026), org_x, decided_on=D(2025, 12, 1),
        notice_on=D(2025, 12, 1), payments=[(D(2025, 12, 20), 200_000)],
    )  # fmt: skip
    # county B
    y = org("常山县乙材料有限公司", county_b)
    hte_b = qualification(staff_b, county_b, "国家高新技术企业认定", "高新技术企业", level="national")
    award(staff_b, make_call(staff_b, hte_b, year=2025), y, D(2025, 11, 20))
    key_rd_b = project(staff_b, county_b, "省重点研发计划", "provincial")
    award(
        staff_b,
        make_call(staff_b, key_rd_b, year=2025),
        y,
        D(2025, 8, 1),
        title="大项目",
        amount=Decimal(9_000_000),
    )
    return {"b": b, "c": c, "y": y, "project_b": project_b}


def charts_of(response):
    """The JSON data blocks the page embeds, by slug."""
    assert response.status_code == 200
    html = response.content.decode()
    blocks = re.findall(r'<script id="chart-data-[^"]+" type="application/json">(.*?)</script>', html, re.S)
    return {d["slug"]: d for d in map(json.loads, blocks)}


def figure_value(key, region, year):
    return compute(key, region, Period.year_of(year)).as_json()["value"]


# --- leader and staff of a county ----------------------------------------------------------------------------------


def test_leader_dashboard_reads_the_figure_registry(data, leader_a, county_a):
    charts = charts_of(client_for(leader_a).get(URL, {"year": 2025}))
    # key figures: the previous year and this one side by side, each compute()'s value
    rows = {r[0]: r for r in charts["key-figures"]["rows"]}
    for key in KEY_FIGURES:
        f = compute(key, county_a, Period.year_of(2025))
        assert rows[f.label][1:3] == [figure_value(key, county_a, 2024), f.as_json()["value"]], key
    # 同比: counts as the difference, money as a growth in % (none when last year had nothing)
    assert rows["新认定资质"][1:4] == [1, 2, 1]
    assert rows["科技计划项目经费补助"][1:4] == [800_000, 3_000_000, 275]
    assert rows["兑现奖励资金"][1:4] == [0, 200_000, None]
    assert rows["获批立项科技计划项目"][1:4] == [1, 1, 0]
    # trends: five years, each point compute(key, county, year)
    for key in KEY_FIGURES:
        trend = charts[f"trend-{key.replace('.', '-').replace('_', '-')}"]
        assert trend["x"] == [f"{y}年" for y in range(2021, 2026)]
        assert [r[1] for r in trend["rows"]] == [figure_value(key, county_a, y) for y in range(2021, 2026)]
    grants = charts["trend-projects-grants"]
    assert grants["unit"] == "万元" and grants["series"][0]["y"][-2:] == [80.0, 300.0]
    # money by funding source and fiscal year (the ledger)
    funds = {r[0]: r[1:] for r in charts["funds-by-source"]["rows"]}
    assert charts["funds-by-source"]["headers"][1:] == [
        "中央财政（元）",
        "省级财政（元）",
        "市级财政（元）",
        "县级财政（元）",
    ]
    assert funds["2025年"] == [0, 1_000_000, 0, 200_000] and funds["2024年"] == [0, 0, 0, 0]
    # applications of 2025 by status: 3 approved (two 高企, one project); the claim is of a 2026 call
    assert charts["applications-by-status"]["rows"] == [["已立项/认定", 3]]


def test_leader_page_has_tables_exports_and_the_missing_data_note(data, leader_a):
    html = client_for(leader_a).get(URL, {"year": 2025}).content.decode()
    assert "plotly/plotly.min.js" in html and "reports/charts.js" in html
    assert "cdn" not in html.lower()
    assert html.count("<summary>表格</summary>") >= 8
    assert html.count("导出 Excel") >= 8
    assert "/reports/dashboard/charts/trend-policy-money-paid/xlsx/?year=2025" in html
    assert "开化县科技工作看板 · 2025年" in html
    assert "300万元" in html and "20万元" in html  # the tables show money in 万元
    assert "+275.00%" in html and "+1" in html and "新增" in html
    assert "目标完成情况与全省、全市排名" in html and "暂无数据" in html
    assert "待办事项" not in html  # work queues are the staff's


def test_year_defaults_to_the_current_year(data, leader_a):
    this_year = dt.date.today().year
    charts = charts_of(client_for(leader_a).get(URL))
    assert charts["trend-projects-grants"]["x"][-1] == f"{this_year}年"
    assert charts_of(client_for(leader_a).get(URL, {"year": "abc"}))["trend-projects-grants"]["x"][-1] == (
        f"{this_year}年"
    )


def test_staff_dashboard_adds_work_queues_deadlines_and_expiring(data, staff_a, leader_a, org_x, hte):
    # one claim waiting (submitted), an open call, 开化县甲's 高企 expiring within six months of today
    today = dt.date.today()
    submit(staff_a, make_call(staff_a, data["project_b"].programme, year=today.year, name="本年批次",
           opens_on=today - dt.timedelta(days=5), closes_on=today + dt.timedelta(days=20),
           county_deadline=today + dt.timedelta(days=10)), organisation=org_x, title="本年申报")  # fmt: skip
    hte_now = make_call(staff_a, hte, year=today.year - 2, name="到期批次")
    expiring = approve(
        staff_a, submit(staff_a, hte_now, organisation=data["c"]), today - dt.timedelta(days=365 * 3 - 60)
    )
    response = client_for(staff_a).get(URL, {"year": 2025})
    html = response.content.decode()
    assert "待办事项" in html and "/programmes/applications/queue/" in html
    assert "本年批次" in html
    assert "/programmes/qualifications/?expiring=1" in html and f"/programmes/awards/{expiring.pk}/" in html
    assert response.context["board"].work["waiting_total"] == 1
    assert response.context["board"].work["expiring_count"] == 1
    # the same charts as the leader's
    assert set(charts_of(response)) == set(charts_of(client_for(leader_a).get(URL, {"year": 2025})))


def test_staff_b_sees_nothing_of_county_a(data, staff_b, county_b):
    response = client_for(staff_b).get(URL, {"year": 2025, "scope": "330824"})  # asking for A changes nothing
    charts = charts_of(response)
    html = response.content.decode()
    rows = {r[0]: r for r in charts["key-figures"]["rows"]}
    assert rows["科技计划项目经费补助"][2] == 9_000_000 == figure_value("projects.grants", county_b, 2025)
    assert rows["新认定资质"][2] == 1
    everything = json.dumps(charts, ensure_ascii=False)
    for number in ("3000000", "800000", "200000", "1000000"):
        assert number not in everything
    for text in ("开化县", "300万元", "80万元"):
        assert text not in html
    assert charts["funds-by-source"]["rows"][-1] == ["2025年", 0, 0, 0, 0]


def test_staff_dashboard_query_budget(data, staff_a, django_assert_max_num_queries):
    client = client_for(staff_a)
    with django_assert_max_num_queries(50):
        assert client.get(URL, {"year": 2025}).status_code == 200
    # more records do not cost more queries
    for i in range(6):
        award(staff_a, make_call(staff_a, data["project_b"].programme, year=2025, name=f"加批{i}"),
              org(f"开化县加{i}有限公司", data["b"].region), D(2025, 8, 2), title=f"加{i}", amount=Decimal(1000))  # fmt: skip
    with django_assert_max_num_queries(50):
        assert client.get(URL, {"year": 2025}).status_code == 200


# --- Excel export of a chart's data ----------------------------------------------------------------------------


def xlsx_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(BytesIO(response.content))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


@pytest.mark.parametrize(
    "slug", ["key-figures", "trend-projects-grants", "funds-by-source", "applications-by-status"]
)
def test_xlsx_export_rows_equal_the_chart_data_and_is_audited(data, leader_a, slug):
    client = client_for(leader_a)
    chart = charts_of(client.get(URL, {"year": 2025}))[slug]
    sheet = xlsx_rows(client.get(f"/reports/dashboard/charts/{slug}/xlsx/", {"year": 2025}))
    assert sheet[0] == chart["headers"]
    assert [[c if c != "" else None for c in r] for r in sheet[1:]] == chart["rows"]
    event = AuditEvent.objects.get(action="export", object_id=slug)
    assert (
        event.user == leader_a and event.after["rows"] == len(chart["rows"]) and event.after["year"] == 2025
    )


def test_xlsx_export_unknown_chart_and_no_export_right(data, leader_a, enterprise_x, outsider):
    assert client_for(leader_a).get("/reports/dashboard/charts/nope/xlsx/").status_code == 404
    assert client_for(enterprise_x).get("/reports/dashboard/charts/my-money/xlsx/").status_code == 403
    assert client_for(outsider).get("/reports/dashboard/charts/key-figures/xlsx/").status_code == 403
    assert AuditEvent.objects.filter(action="permission_denied", user=enterprise_x).exists()
    assert not AuditEvent.objects.filter(action="export").exists()


# --- city and province ---------------------------------------------------------------------------------------------


def test_city_sees_counties_side_by_side(data, city_user, county_a, county_b):
    charts = charts_of(client_for(city_user).get(URL, {"year": 2025}))
    table = {r[0]: r[1:] for r in charts["counties"]["rows"]}
    city_counties = Region.objects.filter(level="county", code__startswith="3308")
    assert set(table) == set(city_counties.values_list("name", flat=True))  # every county of the city
    for county in (county_a, county_b):
        assert table[county.name] == [figure_value(k, county, 2025) for k in KEY_FIGURES]
    assert table["开化县"][3] == 3_000_000 and table["常山县"][3] == 9_000_000
    money = charts["counties-money"]
    assert "开化县" in money["x"] and "常山县" in money["x"]
    assert [s["name"] for s in money["series"]] == [
        "兑现奖励资金",
        "科技计划项目经费补助",
        "拨付人才和团队配套资金",
    ]
    assert money["series"][1]["y"][money["x"].index("常山县")] == 900.0
    assert [s["name"] for s in charts["counties-counts"]["series"]] == ["新认定资质", "获批立项科技计划项目"]


def test_counties_table_sorts(data, city_user):
    client = client_for(city_user)
    first = charts_of(client.get(URL, {"year": 2025, "sort": "projects-grants"}))["counties"]["rows"]
    assert [r[0] for r in first[:2]] == ["常山县", "开化县"]
    last = charts_of(client.get(URL, {"year": 2025, "sort": "-projects-grants"}))["counties"]["rows"]
    assert [r[0] for r in last[-2:]] == ["开化县", "常山县"]
    html = client.get(URL, {"year": 2025, "sort": "projects-grants"}).content.decode()
    assert "sort=-projects-grants" in html


def test_province_sees_only_counties_with_data(data, province_user):
    client = client_for(province_user)
    charts = charts_of(client.get(URL, {"year": 2025}))
    assert sorted(r[0] for r in charts["counties"]["rows"]) == ["常山县", "开化县"]
    sheet = xlsx_rows(client.get("/reports/dashboard/charts/counties/xlsx/", {"year": 2025}))
    assert sheet[1:] == charts["counties"]["rows"]


# --- enterprise ----------------------------------------------------------------------------------------------------


def test_enterprise_sees_only_its_own(data, enterprise_x, org_x):
    response = client_for(enterprise_x).get(URL)
    charts = charts_of(response)
    html = response.content.decode()
    # 开化县甲: its 高企 (approved) and its claim (paid)
    assert dict(charts["my-applications"]["rows"]) == {"已立项/认定": 1, "已兑现": 1}
    assert charts["my-money"]["rows"] == [["2025年", 200_000, 1]]
    assert [r[0] for r in charts["my-qualifications"]["rows"]] == ["高新技术企业"]
    assert "导出 Excel" not in html
    for other in ("开化县乙科技有限公司", "常山县", "300万元", "900万元"):
        assert other not in html


def test_no_dashboard_for_users_without_a_role(outsider, client):
    assert client_for(outsider).get(URL).status_code == 403
    assert client.get(URL).status_code == 302  # log in first
