"""API fuzzing with Schemathesis against the project's own OpenAPI schema (/api/openapi.json).

Every operation of the schema becomes one test. Schemathesis generates requests from the schema, valid
ones and invalid ones (wrong types, missing or unknown fields, bodies that are not JSON, out-of-range
values, unsupported methods), sends them in-process to the WSGI application as county staff (a bearer
token; the audit log as the auditor, since staff only get 403 there) and checks every response:
no server error (5xx), a documented status code and content type, a body that matches the documented
schema, invalid data rejected, and 401 without credentials.

Bounded and deterministic: the coverage phase (boundary values, a fixed set) plus MAX_EXAMPLES
Hypothesis examples per operation, derandomized, with no example database, so every run sends the
same requests. FUZZ_EXAMPLES=300 runs a deeper search by hand.

Each example runs in a savepoint that is rolled back, as each request would on its own: a DELETE in one
example does not remove the seeded records for the next ones."""

import json
import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings

from kechuang.core import services
from kechuang.core.models import Person, Role
from tests.conftest import make_user
from tests.factories import OrganisationFactory, PersonFactory, credit_code_for

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20240611,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
        "checks": {
            # A request can match the schema and still break a rule the schema cannot express: a region
            # code that does not exist, a wrong credit-code check digit, a person with no role. Those
            # are 422 with a Chinese message. 404 (absent or hidden records), 403 (refused) and 409
            # (still referenced) are legitimate answers too. Anything else (400, 5xx) still fails.
            "positive_data_acceptance": {"expected-statuses": ["2xx", 401, 403, 404, 409, 422]},
        },
    }
)

application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)

# Fields that _realistic() fills with real codes; a lone surrogate goes into some other text field.
CODE_FIELDS = {"region", "credit_code", "industry", "county"}
LONE_SURROGATE = "\ud800"


@pytest.fixture
def same_connection():
    """The WSGI handler closes "old" database connections around each request, which would break the
    test's transaction. Django's test client disconnects the same handler while it runs a request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(staff_a, staff_b, auditor_user, org_x, org_y, department_a, expert_person_a, expert_person_b):
    """Records for the {id} paths: visible ones, hidden ones (another county: 404) and referenced ones
    (an account still links them: 409 on delete)."""
    enterprise = OrganisationFactory(name="开化县丙有限公司", region=org_x.region)
    make_user("enterprise_fuzz", role=Role.ENTERPRISE, organisation=enterprise)
    linked = PersonFactory(name="赵专家", county=org_x.region, organisation=org_x)
    make_user("expert_fuzz", role=Role.EXPERT, person=linked)
    services.organisation_year_set(organisation=org_x, year=2023, is_above_scale=True, by=None)
    own_token, _plain = services.api_token_create(user=staff_a, name="另一个令牌")
    other_token, _plain = services.api_token_create(user=staff_b, name="别人的令牌")
    # The tokens the requests are sent with. A DELETE /api/tokens/{id} that revokes one is rolled back
    # with the rest of its example.
    _token, staff_token = services.api_token_create(user=staff_a, name="fuzz")
    _token, auditor_token = services.api_token_create(user=auditor_user, name="fuzz")
    ids = {
        "/api/organisations": [org_x.pk, org_y.pk, department_a.pk, enterprise.pk],
        "/api/people": [expert_person_a.pk, expert_person_b.pk, linked.pk],
        "/api/tokens": [own_token.pk, other_token.pk],
    }
    return ids, {"staff": staff_token, "auditor": auditor_token}


def _with_lone_surrogate(body):
    """Schemathesis never generates lone surrogates (they cannot be sent as UTF-8), but JSON can
    spell them ("\\ud800"), and Python keeps them in a str that no database can store."""
    for key, value in sorted(body.items()):
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            body[key] = [*value, "专" + LONE_SURROGATE]
            return
    for key, value in sorted(body.items()):
        if isinstance(value, str) and key not in CODE_FIELDS:
            body[key] = value + LONE_SURROGATE
            return


def _variant(case):
    """A number from 0 to 5 that depends only on the generated example (so runs stay deterministic)."""
    body = case.body if isinstance(case.body, dict | list | str | int | float | bool) else None
    data = json.dumps([case.path_parameters, case.query, body], sort_keys=True, default=repr)
    return zlib.crc32(data.encode()) % 6


def _realistic(case, ids, variant):
    """Generated ids and codes almost never exist, so most requests would stop at a 404 or at the 422
    for an unknown code. For some schema-valid examples (chosen by `variant`, a hash of the example),
    put real values in: ids of the seeded records, real region, industry and credit codes. Then the
    fuzzing reaches the services and the database too."""
    if case.meta is None or case.meta.generation.mode != schemathesis.GenerationMode.POSITIVE:
        return
    path, params = case.path, case.path_parameters
    if params and "id" in params:
        for prefix, seeded in ids.items():
            if path.startswith(prefix + "/") and variant < len(seeded):
                params["id"] = seeded[variant]
    if variant > 3:
        return
    pick = variant % 3
    if path == "/api/regions/{code}":
        params["code"] = ["330824", "330824001", "330000"][pick]
    elif path == "/api/industries/{code}":
        params["code"] = ["3985", "C", "39"][pick]
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    if path.startswith("/api/organisations") and "is_above_scale" not in body:
        if body.get("region") is not None or case.method == "POST":
            body["region"] = ["330824", "330824001", "330822"][pick]
        if body.get("credit_code") is not None or case.method == "POST":
            body["credit_code"] = credit_code_for(4242 + pick)
        if body.get("industry"):
            body["industry"] = ["3985", "C3985", "0111"][pick]
    elif path.startswith("/api/people"):
        if body.get("county") is not None or case.method == "POST":
            body["county"] = ["330824", "330824", "330822"][pick]
        if body.get("organisation") is not None:
            body["organisation"] = ids["/api/organisations"][pick]
        roles = ("is_expert", "is_commissioner", "is_talent", "is_contact")
        if case.method == "POST" and not any(body.get(role) for role in roles):
            body[roles[pick]] = True
    if variant == 3:
        _with_lone_surrogate(body)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_api_fuzz(case, seeded, same_connection):
    variant = _variant(case)
    ids, tokens = seeded
    _realistic(case, ids, variant)
    token = tokens["auditor" if case.path == "/api/audit" else "staff"]
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
        transaction.set_rollback(True)


# --- regressions found while fuzzing ---------------------------------------------------------------------


def bearer_client(user):
    _token, plain = services.api_token_create(user=user, name="测试")
    return Client(headers={"authorization": f"Bearer {plain}"})


@pytest.mark.django_db
def test_lone_surrogate_in_a_list_item_is_a_422_not_a_server_error(staff_a, expert_person_a):
    """Pydantic refuses lone surrogates only in strings with a length limit; the tags of a person are
    a list of unlimited strings, so one reached the database (UnicodeEncodeError, a 500)."""
    client = bearer_client(staff_a)
    body = json.dumps({"name": "钱专家", "county": "330824", "is_expert": True, "tags": ["果树", "\ud800"]})
    response = client.post("/api/people", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "tags", "message": "含有无效的字符（孤立的 UTF-16 代理项）。"}
    ]
    response = client.patch(
        f"/api/people/{expert_person_a.pk}", '{"tags": ["\\udfff"]}', content_type="application/json"
    )
    assert response.status_code == 422
    response = client.patch(
        f"/api/people/{expert_person_a.pk}", '{"title": "\\ud800"}', content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["message"] == "含有无效的字符（孤立的 UTF-16 代理项）。"
    assert not Person.objects.filter(name="钱专家").exists()


@pytest.mark.django_db
def test_non_integer_ids_in_the_path_answer_json(staff_a):
    """The {id} paths used Django's int converter, so /api/people/abc matched no URL and got the
    HTML 404 page; the API documents JSON errors only."""
    client = bearer_client(staff_a)
    for method, url in [
        ("GET", "/api/people/abc"),
        ("DELETE", "/api/organisations/null"),
        ("PUT", "/api/organisations/1/years/0.5"),
        ("DELETE", "/api/tokens/x"),
    ]:
        response = client.generic(method, url, "{}", content_type="application/json")
        assert response.status_code == 422, url
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["detail"][0]["message"] == "须为整数。"


@pytest.mark.django_db
def test_dates_must_be_written_as_dates(staff_a, auditor_user, org_x):
    """The schema says format: date, but pydantic also took numbers as Unix times ("0" was
    1970-01-01)."""
    response = bearer_client(auditor_user).get("/api/audit?start=0")
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "start", "message": "须为日期，格式 YYYY-MM-DD。"}]
    assert bearer_client(auditor_user).get("/api/audit?start=2024-01-01&end=2099-12-31").status_code == 200
    client = bearer_client(staff_a)
    for value in (0, "0", 1.5, "2024-1-1", "20240101"):
        response = client.patch(
            f"/api/organisations/{org_x.pk}", {"established_on": value}, content_type="application/json"
        )
        assert response.status_code == 422, value
        assert response.json()["detail"][0]["field"] == "established_on"
    response = client.patch(
        f"/api/organisations/{org_x.pk}", {"established_on": "2019-05-20"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["established_on"] == "2019-05-20"
