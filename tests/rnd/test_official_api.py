"""The API of published figures and targets: list, read, create, edit through the same services as the pages
and registers (the rank-needs-denominator rule and the frozen-summary lock hold here too: 422 JSON), an edit
with If-Match refused 409 when stale; and the indicator endpoint carries the published period, ranks and
their denominators, and the target's comparison and data year."""

from decimal import Decimal

import pytest

from kechuang.rnd import services
from kechuang.rnd.models import OfficialFigure, Target
from tests.conftest import client_for, make_user
from tests.rnd.test_frozen_year import frozen_2025  # noqa: F401 - the fixture

D = Decimal
JSON = "application/json"
REPORT = "《2019年度浙江省各县（市、区）科技进步统计监测评价报告》"
FIGURES, TARGETS = "/api/rnd/official-figures", "/api/rnd/targets"


@pytest.fixture
def staff_a2(county_a):
    from kechuang.core.models import Role

    return make_user("staff_a2_rnd", role=Role.STAFF, region=county_a)


def test_create_read_and_list_a_published_figure_with_period_and_ranks(staff_a, staff_b, county_a):
    client = client_for(staff_a)
    body = {"county": "330824", "year": 2020, "months": 9, "indicator": "high_tech_va", "value": "1234500000",
            "city_rank": 2, "city_count": 6, "source": "县统计局《统计月报》2020年9月"}  # fmt: skip
    response = client.post(FIGURES, body, content_type=JSON)
    assert response.status_code == 201, response.content
    got = response.json()
    assert (got["months"], got["city_rank"], got["city_count"], got["province_rank"]) == (9, 2, 6, None)
    assert got["county"] == {"code": "330824", "name": "开化县"} and got["text"] == "12.35亿元"
    assert D(got["value"]) == D("1234500000")
    read = client.get(f"{FIGURES}/{got['id']}")
    assert read.status_code == 200 and read["ETag"]
    listed = client.get(FIGURES, {"year": 2020}).json()
    assert [item["id"] for item in listed["items"]] == [got["id"]]
    # another county's staff neither see it nor list it
    other = client_for(staff_b)
    assert other.get(f"{FIGURES}/{got['id']}").status_code == 404
    assert other.get(FIGURES).json()["items"] == []


def test_validation_errors_are_json_and_nothing_is_written(staff_a, staff_b, county_a):
    client = client_for(staff_a)
    base = {"county": "330824", "year": 2019, "indicator": "rd_intensity", "value": "0.71", "source": REPORT}
    # 第29位 of how many counties? The rule of the form holds here: 422 naming the missing field
    response = client.post(FIGURES, {**base, "province_rank": 29}, content_type=JSON)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"province_count"}
    response = client.post(FIGURES, {**base, "city_rank": 7, "city_count": 6}, content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "city_rank"
    response = client.post(FIGURES, {**base, "value": "-1"}, content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "value"
    response = client.post(FIGURES, {**base, "indicator": "gdp"}, content_type=JSON)  # not an indicator
    assert response.status_code == 422
    response = client.post(TARGETS, {"county": "330824", "year": 2019, "indicator": "rd_intensity",
                                     "comparison": "lt", "value": "0.7"}, content_type=JSON)  # fmt: skip
    assert response.status_code == 422
    response = client.post(FIGURES, "not json", content_type=JSON)
    assert response.status_code in (400, 422) and "detail" in response.json()
    # another county's staff: refused
    assert client_for(staff_b).post(FIGURES, base, content_type=JSON).status_code == 403
    assert OfficialFigure.objects.count() == 0 and Target.objects.count() == 0


def test_patch_with_a_stale_if_match_is_409_and_saves_nothing(staff_a, staff_a2, county_a):
    first, second = client_for(staff_a), client_for(staff_a2)
    created = first.post(
        TARGETS,
        {"county": "330824", "year": 2019, "indicator": "rd_intensity", "comparison": "gt", "value": "0.7"},
        content_type=JSON,
    ).json()
    assert created["text"] == "R&D经费投入强度超过0.70%" and created["comparison"] == "gt"
    url = f"{TARGETS}/{created['id']}"
    etag = first.get(url)["ETag"]
    response = first.patch(url, {"value": "0.8"}, content_type=JSON, headers={"If-Match": etag})
    assert response.status_code == 200 and response.json()["value"] in ("0.8000", "0.8")
    assert response["ETag"] != etag
    # the second client read before that change: its change of the same field is refused
    response = second.patch(url, {"value": "0.75"}, content_type=JSON, headers={"If-Match": etag})
    assert response.status_code == 409 and response.json()["fields"] == ["value"]
    assert Target.objects.get().value == D("0.8")
    # a required field cannot be cleared; the county is not an editable field
    assert first.patch(url, {"comparison": None}, content_type=JSON).status_code == 422
    assert first.patch(url, {"county": "330822"}, content_type=JSON).status_code == 422
    # a published figure likewise
    figure = services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2019, "indicator": "rd_expenditure", "value": D("98000000"),
              "province_rank": 82, "province_count": 89, "source": REPORT},
    )  # fmt: skip
    url = f"{FIGURES}/{figure.pk}"
    etag = first.get(url)["ETag"]
    assert first.patch(url, {"city_rank": 5, "city_count": 6}, content_type=JSON, headers={"If-Match": etag}).status_code == 200  # fmt: skip
    response = second.patch(url, {"city_rank": 4}, content_type=JSON, headers={"If-Match": etag})
    assert response.status_code == 409
    # clearing the province's count while its rank stays breaks the denominator rule
    response = first.patch(url, {"province_count": None}, content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "province_count"
    figure.refresh_from_db()
    assert (figure.province_count, figure.city_rank, figure.city_count) == (89, 5, 6)


def test_the_frozen_summary_lock_holds_on_the_api(staff_a, frozen_2025):  # noqa: F811
    client = client_for(staff_a)
    official, target = frozen_2025["official"], frozen_2025["target"]
    response = client.patch(f"{FIGURES}/{official.pk}", {"value": "0.30"}, content_type=JSON)
    assert response.status_code == 422 and "已定稿" in response.json()["detail"][0]["message"]
    response = client.patch(f"{TARGETS}/{target.pk}", {"value": "2.0"}, content_type=JSON)
    assert response.status_code == 422 and "已定稿" in response.json()["detail"][0]["message"]
    response = client.post(
        TARGETS,
        {"county": "330824", "year": 2025, "indicator": "rd_expenditure", "value": "1e7"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert OfficialFigure.objects.get().value == D("0.26") and Target.objects.get().value == D("2.6")


def test_indicator_endpoint_carries_published_period_ranks_and_the_targets_terms(staff_a, county_a):
    services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2019, "indicator": "rd_intensity", "value": D("0.71"),
              "province_rank": 29, "province_count": 89, "city_rank": 3, "city_count": 6, "source": REPORT},
    )  # fmt: skip
    # a 1-9月 figure of the same indicator is another period: not the year's
    services.official_figure_save(
        by=staff_a,
        data={"county": county_a, "year": 2019, "months": 9, "indicator": "rd_intensity", "value": D("0.5"),
              "source": "县统计局"},
    )  # fmt: skip
    services.target_save(
        by=staff_a,
        data={
            "county": county_a,
            "year": 2019,
            "indicator": "rd_intensity",
            "comparison": "gt",
            "value": D("0.7"),
        },
    )
    lines = client_for(staff_a).get("/api/rnd/indicators", {"county": "330824", "year": 2019}).json()
    line = next(item for item in lines if item["key"] == "rd_intensity")
    assert line["official"] == pytest.approx(0.0071) and line["official_months"] == 12
    assert (line["official_province_rank"], line["official_province_count"]) == (29, 89)
    assert (line["official_city_rank"], line["official_city_count"]) == (3, 6)
    assert line["official_source"] == REPORT
    assert (line["target"], line["target_comparison"], line["target_year"]) == (
        pytest.approx(0.007),
        "gt",
        2019,
    )
    # nothing computed for the county (no statistics): no computed rank, nothing to meet, and not complete
    assert line["value"] is None and line["target_met"] is None
    assert line["province_rank_complete"] is False and line["city_rank_complete"] is False
    ytd = (
        client_for(staff_a).get("/api/rnd/indicators", {"county": "330824", "year": 2019, "months": 9}).json()
    )
    line = next(item for item in ytd if item["key"] == "rd_intensity")
    assert line["official"] == pytest.approx(0.005) and line["official_months"] == 9
    assert line["official_province_rank"] is None
