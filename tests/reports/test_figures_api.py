"""GET /api/reports/figures: the same figures the summary and the dashboards show, scoped like the pages."""

from kechuang.reports.figures import Period, compute_all
from tests.conftest import client_for
from tests.reports.test_summary import paid_claims

URL = "/api/reports/figures"


def test_figures_of_a_county_equal_the_registry(staff_a, county_a, hte, incentive):
    paid_claims(staff_a, county_a, hte, incentive, 2)
    response = client_for(staff_a).get(URL, {"region": "330824", "year": 2026})
    assert response.status_code == 200
    body = {f["key"]: f for f in response.json()}
    expected = {f.key: f.as_json() for f in compute_all(county_a, Period.year_of(2026))}
    assert body == expected
    assert body["policy.money_paid"]["value"] == 400000 and body["policy.money_paid"]["evidence_count"] == 2

    q1 = (
        client_for(staff_a)
        .get(URL, {"region": "330824", "year": 2026, "period": "2026-Q1", "section": 1})
        .json()
    )
    assert {f["section"] for f in q1} == {1} and next(f for f in q1 if f["key"] == "policy.money_paid")[
        "value"
    ] == 0


def test_scope_and_bad_input(staff_b, city_user, enterprise_x, county_a):
    assert client_for(staff_b).get(URL, {"region": "330824", "year": 2026}).status_code == 403
    assert client_for(enterprise_x).get(URL, {"region": "330824", "year": 2026}).status_code == 403
    assert client_for(city_user).get(URL, {"region": "330800", "year": 2026}).status_code == 200
    assert client_for(city_user).get(URL, {"region": "330824", "year": 2026}).status_code == 200
    bad = client_for(city_user).get(URL, {"region": "330824", "year": 2026, "period": "2025-Q1"})
    assert bad.status_code == 422
    assert (
        client_for(city_user).get(URL, {"region": "330824", "year": 2026, "period": "nonsense"}).status_code
        == 422
    )


def test_an_impossible_year_is_a_422_not_a_crash(city_user):
    for year in (99999, -1, 0):
        assert client_for(city_user).get(URL, {"region": "330824", "year": year}).status_code == 422
