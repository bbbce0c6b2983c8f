"""REST API: schema and docs, authentication, and the organisation register (tenancy, permissions,
validation, audit, query budget)."""

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from kechuang.core import services
from kechuang.core.creditcode import ALPHABET
from kechuang.core.models import AuditEvent, Organisation, OrganisationYear, Role, RoleAssignment
from tests.conftest import client_for
from tests.factories import OrganisationFactory, credit_code_for

pytestmark = pytest.mark.django_db

ORGS = "/api/organisations"
JSON = "application/json"


def bearer_client(user, **kwargs):
    _token, plain = services.api_token_create(user=user, name="测试")
    return Client(headers={"authorization": f"Bearer {plain}"}, **kwargs)


def denied_events(username, detail=""):
    qs = AuditEvent.objects.filter(username=username, result=AuditEvent.Result.DENIED)
    return qs.filter(detail__startswith=detail) if detail else qs


def new_org_payload(**overrides):
    data = {
        "name": "开化县新登记科技有限公司",
        "kind": "enterprise",
        "credit_code": credit_code_for(777),
        "region": "330824",
        "industry": "3985",
        "size": "small",
        "established_on": "2019-05-20",
        "contact_phone": "0570-6012345",
    }
    data.update(overrides)
    return data


# --- schema and docs ------------------------------------------------------------------------------------


def test_openapi_schema_is_public_json_listing_every_register(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "科创 Kechuang API"
    for path in (
        "/api/regions",
        "/api/regions/{code}",
        "/api/industries",
        "/api/industries/{code}",
        "/api/organisations",
        "/api/organisations/{id}",
        "/api/organisations/{id}/years/{year}",
        "/api/people",
        "/api/people/{id}",
        "/api/audit",
        "/api/me",
        "/api/tokens",
        "/api/tokens/{id}",
    ):
        assert path in schema["paths"], path
    tags = {tag for ops in schema["paths"].values() for op in ops.values() for tag in op.get("tags", [])}
    assert {"行政区划", "行业分类", "企业与机构", "专家与人员", "审计日志", "账号"} <= tags
    assert schema["paths"]["/api/organisations"]["post"]["summary"] == "登记企业与机构"
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_page_is_public_and_loads_only_local_assets(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), "the docs page must not reference any external URL"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/static/") for url in assets), assets
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        b"".join(asset.streaming_content) if asset.streaming else asset.content


# --- authentication -------------------------------------------------------------------------------------


def test_unauthenticated_request_is_401_with_a_chinese_message(client, org_x):
    response = client.get(ORGS)
    assert response.status_code == 401
    assert "未登录" in response.json()["detail"]


def test_bearer_token_authenticates_and_wrong_token_is_401(staff_a, org_x):
    response = bearer_client(staff_a).get(ORGS)
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == [org_x.name]

    wrong = Client(headers={"authorization": "Bearer kc_not-a-real-token"})
    response = wrong.get(ORGS)
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_wrong_token_is_401_even_with_a_valid_session(staff_a, org_x):
    client = client_for(staff_a)
    assert client.get(ORGS, headers={"authorization": "Bearer kc_wrong"}).status_code == 401


def test_revoked_token_and_inactive_account_are_refused(staff_a, org_x):
    token, plain = services.api_token_create(user=staff_a, name="脚本")
    client = Client(headers={"authorization": f"Bearer {plain}"})
    assert client.get(ORGS).status_code == 200
    services.api_token_revoke(token=token, by=staff_a)
    assert client.get(ORGS).status_code == 401

    _token, plain = services.api_token_create(user=staff_a, name="脚本2")
    staff_a.is_active = False
    staff_a.save(update_fields=["is_active"])
    assert Client(headers={"authorization": f"Bearer {plain}"}).get(ORGS).status_code == 401


def test_expired_password_is_403(settings, staff_a, org_x):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client = bearer_client(staff_a)
    staff_a.password_changed_at = timezone.now() - dt.timedelta(days=91)
    staff_a.save(update_fields=["password_changed_at"])
    response = client.get(ORGS)
    assert response.status_code == 403
    assert "密码已过期" in response.json()["detail"]
    assert client_for(staff_a).get(ORGS).status_code == 403


def test_session_writes_need_the_csrf_token(staff_a, org_x):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    assert client.get(ORGS).status_code == 200  # reads need no CSRF token

    response = client.patch(f"{ORGS}/{org_x.pk}", {"name": "改名一"}, content_type=JSON)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    org_x.refresh_from_db()
    assert org_x.name == "开化县甲科技有限公司"

    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.patch(
        f"{ORGS}/{org_x.pk}", {"name": "改名二"}, content_type=JSON, headers={"x-csrftoken": secret}
    )
    assert response.status_code == 200, response.content
    org_x.refresh_from_db()
    assert org_x.name == "改名二"


def test_bearer_writes_need_no_csrf_token(staff_a, org_x):
    client = bearer_client(staff_a, enforce_csrf_checks=True)
    response = client.patch(f"{ORGS}/{org_x.pk}", {"address": "城关镇"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "城关镇"


# --- organisations: tenancy ------------------------------------------------------------------------------


def test_staff_lists_only_their_county(staff_a, org_x, org_y):
    response = client_for(staff_a).get(ORGS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == org_x.pk
    assert item["region"] == {"code": "330824", "name": "开化县"}
    assert item["industry"]["code"] == "3985"
    assert item["industry"]["name"]
    assert item["kind_label"] == "企业"


def test_other_county_organisation_looks_absent_and_the_attempt_is_audited(staff_a, org_x, org_y):
    client = client_for(staff_a)
    response = client.get(f"{ORGS}/{org_y.pk}")
    assert response.status_code == 404
    assert response.json()["detail"]
    assert client.get(f"{ORGS}/999999").status_code == 404
    assert denied_events("staff_a").filter(object_id=str(org_y.pk)).exists()


def test_staff_cannot_patch_another_county(staff_a, org_y):
    response = client_for(staff_a).patch(f"{ORGS}/{org_y.pk}", {"name": "越权修改"}, content_type=JSON)
    assert response.status_code in (403, 404)
    org_y.refresh_from_db()
    assert org_y.name == "常山县乙材料有限公司"


def test_staff_cannot_create_in_another_county_and_it_is_audited(staff_a, county_b):
    payload = new_org_payload(region="330822", credit_code=credit_code_for(778, county="330822"))
    response = client_for(staff_a).post(ORGS, payload, content_type=JSON)
    assert response.status_code == 403
    assert not Organisation.objects.filter(name=payload["name"]).exists()
    assert denied_events("staff_a", "organisation.create").exists()


def test_city_user_reads_every_county_but_cannot_write(city_user, org_x, org_y):
    client = client_for(city_user)
    names = {o["name"] for o in client.get(ORGS).json()["items"]}
    assert names == {org_x.name, org_y.name}
    assert client.patch(f"{ORGS}/{org_x.pk}", {"name": "市里改的"}, content_type=JSON).status_code == 403


@pytest.mark.parametrize("fixture", ["outsider", "expert_a", "admin_user"])
def test_users_without_an_organisation_role_may_not_list(request, fixture, org_x):
    user = request.getfixturevalue(fixture)
    response = client_for(user).get(ORGS)
    assert response.status_code == 403
    assert denied_events(user.username, "organisation.list").exists()


# --- organisations: leader (read only) -----------------------------------------------------------------


def test_leader_reads_but_may_not_write_and_refusals_are_audited(leader_a, org_x, county_a):
    client = client_for(leader_a)
    assert client.get(f"{ORGS}/{org_x.pk}").status_code == 200

    response = client.patch(f"{ORGS}/{org_x.pk}", {"name": "领导改名"}, content_type=JSON)
    assert response.status_code == 403
    assert response.json()["detail"] == "您没有权限执行此操作。"
    org_x.refresh_from_db()
    assert org_x.name == "开化县甲科技有限公司"
    event = denied_events("leader_a", "organisation.update").get()
    assert event.object_id == str(org_x.pk)

    response = client.post(ORGS, new_org_payload(), content_type=JSON)
    assert response.status_code == 403
    assert denied_events("leader_a", "organisation.create").exists()

    assert client.delete(f"{ORGS}/{org_x.pk}").status_code == 403
    assert (
        client.put(f"{ORGS}/{org_x.pk}/years/2023", {"is_above_scale": True}, content_type=JSON).status_code
        == 403
    )
    assert Organisation.objects.filter(pk=org_x.pk).exists()
    assert not OrganisationYear.objects.exists()


# --- organisations: enterprise user ---------------------------------------------------------------------


def test_enterprise_sees_and_edits_only_its_own_organisation(enterprise_x, org_x, org_y):
    client = client_for(enterprise_x)
    assert [o["id"] for o in client.get(ORGS).json()["items"]] == [org_x.pk]
    assert client.get(f"{ORGS}/{org_y.pk}").status_code == 404

    response = client.patch(f"{ORGS}/{org_x.pk}", {"name": "开化县甲科技股份有限公司"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "开化县甲科技股份有限公司"
    event = AuditEvent.objects.get(username="enterprise_x", action="update", object_id=str(org_x.pk))
    assert event.after == {"name": "开化县甲科技股份有限公司"}

    assert client.patch(f"{ORGS}/{org_y.pk}", {"name": "越权"}, content_type=JSON).status_code == 404


def test_enterprise_may_not_set_a_credit_code_exception_or_other_protected_fields(enterprise_x, org_x):
    client = client_for(enterprise_x)
    for change in (
        {"credit_code_exception": "历史代码"},
        {"is_active": False},
        {"kind": "institute"},
        {"region": "330822"},
    ):
        response = client.patch(f"{ORGS}/{org_x.pk}", change, content_type=JSON)
        assert response.status_code == 403, change
    org_x.refresh_from_db()
    assert org_x.credit_code_exception == ""
    assert org_x.is_active is True
    assert org_x.region_id == "330824"
    assert denied_events("enterprise_x", "organisation.update:credit_code_exception").exists()
    # Sending an unchanged protected value back is fine (clients often send the whole record).
    response = client.patch(
        f"{ORGS}/{org_x.pk}", {"kind": "enterprise", "address": "华埠镇"}, content_type=JSON
    )
    assert response.status_code == 200


def test_enterprise_may_not_create_or_delete(enterprise_x, org_x):
    client = client_for(enterprise_x)
    assert client.post(ORGS, new_org_payload(), content_type=JSON).status_code == 403
    assert client.delete(f"{ORGS}/{org_x.pk}").status_code == 403


# --- organisations: writes and validation ---------------------------------------------------------------


def test_staff_creates_an_organisation(staff_a):
    response = client_for(staff_a).post(
        ORGS, new_org_payload(credit_code=" " + credit_code_for(777).lower()), content_type=JSON
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == credit_code_for(777)
    assert body["region"] == {"code": "330824", "name": "开化县"}
    assert body["industry"]["code"] == "3985"
    assert body["established_on"] == "2019-05-20"
    assert body["years"] == []
    org = Organisation.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(
        action="create", object_type="core.organisation", object_id=str(org.pk)
    ).exists()


def test_wrong_check_digit_is_422_naming_the_expected_character(staff_a):
    good = credit_code_for(4242)
    wrong = good[:17] + next(c for c in ALPHABET if c != good[17])
    response = client_for(staff_a).post(ORGS, new_org_payload(credit_code=wrong), content_type=JSON)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "credit_code"
    assert f"应为“{good[17]}”" in error["message"]
    assert not Organisation.objects.filter(credit_code=wrong).exists()


def test_staff_may_record_a_credit_code_exception(staff_a):
    good = credit_code_for(4243)
    wrong = good[:17] + next(c for c in ALPHABET if c != good[17])
    payload = new_org_payload(credit_code=wrong, credit_code_exception="1998 年核发的历史代码，已核实")
    response = client_for(staff_a).post(ORGS, payload, content_type=JSON)
    assert response.status_code == 201, response.content


def test_unknown_codes_are_422_with_chinese_messages(staff_a):
    response = client_for(staff_a).post(
        ORGS, new_org_payload(region="339999", industry="9999"), content_type=JSON
    )
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["detail"]}
    assert errors["region"] == "行政区划代码“339999”不存在。"
    assert "9999" in errors["industry"] and "小类" in errors["industry"]


def test_industry_must_be_a_class_and_region_a_county_or_township(staff_a):
    client = client_for(staff_a)
    response = client.post(ORGS, new_org_payload(industry="39"), content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "industry"
    response = client.post(ORGS, new_org_payload(industry="C3985"), content_type=JSON)
    assert response.status_code == 201, response.content


def test_type_errors_are_422_with_field_and_chinese_message(staff_a):
    client = client_for(staff_a)
    payload = new_org_payload(is_active="也许", established_on="去年", kind="公司")
    del payload["name"]
    response = client.post(ORGS, payload, content_type=JSON)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["detail"]}
    assert errors["name"] == "此字段为必填项。"
    assert errors["is_active"] == "须为 true 或 false。"
    assert "日期" in errors["established_on"]
    assert errors["kind"].startswith("须为以下值之一：enterprise、")

    response = client.post(ORGS, {**new_org_payload(), "owner": "x"}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "owner", "message": "不认识的字段。"}]

    response = client.post(ORGS, "{not json", content_type=JSON)
    assert response.status_code == 400
    assert response.json()["detail"] == "请求体不是有效的 JSON。"

    assert client.get(ORGS, {"above_scale_year": "abc"}).status_code == 422


def test_model_validation_messages_come_back_as_field_errors(staff_a, org_x):
    client = client_for(staff_a)
    response = client.patch(
        f"{ORGS}/{org_x.pk}", {"contact_email": "不是邮箱", "name": None}, content_type=JSON
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"name"}  # null for a required field is refused before the model is touched
    response = client.patch(f"{ORGS}/{org_x.pk}", {"contact_email": "不是邮箱"}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "contact_email"
    duplicate = OrganisationFactory(region=org_x.region)
    response = client.patch(f"{ORGS}/{org_x.pk}", {"credit_code": duplicate.credit_code}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "credit_code"


def test_patch_changes_only_the_fields_sent_and_null_clears(staff_a, org_x):
    response = client_for(staff_a).patch(
        f"{ORGS}/{org_x.pk}", {"industry": None, "address": "芹阳办事处"}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    org_x.refresh_from_db()
    assert org_x.industry_id is None
    assert org_x.address == "芹阳办事处"
    assert org_x.name == "开化县甲科技有限公司"


def test_above_scale_year_is_set_and_filterable(staff_a, org_x, county_a):
    other = OrganisationFactory(region=county_a)
    client = client_for(staff_a)
    response = client.put(f"{ORGS}/{org_x.pk}/years/2023", {"is_above_scale": True}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json() == {"year": 2023, "is_above_scale": True}
    listed = client.get(ORGS, {"above_scale_year": 2023}).json()
    assert [o["id"] for o in listed["items"]] == [org_x.pk]
    assert other.pk not in [o["id"] for o in listed["items"]]
    assert listed["items"][0]["years"] == [{"year": 2023, "is_above_scale": True}]

    response = client.put(f"{ORGS}/{org_x.pk}/years/1900", {"is_above_scale": True}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "year"


def test_list_filters(staff_a, org_x, county_a):
    OrganisationFactory(name="开化县农科院", kind=Organisation.Kind.INSTITUTE, region=county_a)
    client = client_for(staff_a)
    assert [o["name"] for o in client.get(ORGS, {"kind": "institute"}).json()["items"]] == ["开化县农科院"]
    assert [o["name"] for o in client.get(ORGS, {"q": "甲科技"}).json()["items"]] == [org_x.name]
    assert client.get(ORGS, {"section": "C"}).json()["count"] == 2
    assert client.get(ORGS, {"kind": "公司"}).status_code == 422


def test_staff_deletes_an_organisation_and_a_referenced_one_is_409(staff_a, org_x, county_a):
    client = client_for(staff_a)
    spare = OrganisationFactory(region=county_a)
    assert client.delete(f"{ORGS}/{spare.pk}").status_code == 204
    assert not Organisation.objects.filter(pk=spare.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(spare.pk)).exists()

    services.user_create(
        by=None,
        username="ent_x2",
        password="Kc-test-Passw0rd",
        roles=[{"role": Role.ENTERPRISE, "organisation": org_x}],
    )
    response = client.delete(f"{ORGS}/{org_x.pk}")
    assert response.status_code == 409
    assert "不能删除" in response.json()["detail"]
    assert RoleAssignment.objects.filter(organisation=org_x).exists()


def test_list_query_count_does_not_grow_with_the_page(staff_a, county_a, django_assert_max_num_queries):
    for n in range(30):
        org = OrganisationFactory(region=county_a)
        OrganisationYear.objects.create(organisation=org, year=2023, is_above_scale=n % 2 == 0)
    client = client_for(staff_a)
    with django_assert_max_num_queries(10):
        response = client.get(ORGS, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] == 30
    assert len(response.json()["items"]) == 30


def test_pagination(staff_a, county_a):
    for _n in range(3):
        OrganisationFactory(region=county_a)
    client = client_for(staff_a)
    page = client.get(ORGS, {"page": 2, "page_size": 2}).json()
    assert page["count"] == 3
    assert len(page["items"]) == 1


def test_hostile_inputs_are_refused_cleanly(staff_a, org_x):
    client = client_for(staff_a)
    assert client.get(ORGS, {"q": "甲\x00"}).status_code == 422
    assert client.get(ORGS, {"page": 10**12}).status_code == 422
    assert client.get(ORGS, {"page_size": 1000}).status_code == 422
    assert client.get(f"{ORGS}/{10**25}").status_code == 404
    response = client.patch(f"{ORGS}/{org_x.pk}", {"name": "甲\x00乙"}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "name", "message": "不能包含空字符（NUL）。"}]
    assert client.post(ORGS, [1, 2], content_type=JSON).status_code == 422
    assert client.get("/api/regions/33%00").status_code == 404
    org_x.refresh_from_db()
    assert org_x.name == "开化县甲科技有限公司"


@pytest.mark.django_db
def test_a_wrong_token_is_recorded_like_a_failed_login(client):
    from kechuang.core.models import AuditEvent

    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer kc_not-a-real-token")
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="login_failed", object_type="core.apitoken")
    assert event.object_repr == "kc_not-a" and event.result == "failed" and event.ip == "127.0.0.1"
