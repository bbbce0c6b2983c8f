"""REST API: people (contacts by permission), audit log, the current account, API tokens, and the
reference tables (regions, industries)."""

import pytest
from django.test import Client

from kechuang.core import services
from kechuang.core.models import ApiToken, AuditEvent, Person
from tests.conftest import client_for
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PEOPLE = "/api/people"
JSON = "application/json"


def denied_events(username, detail=""):
    qs = AuditEvent.objects.filter(username=username, result=AuditEvent.Result.DENIED)
    return qs.filter(detail__startswith=detail) if detail else qs


def new_person_payload(**overrides):
    data = {
        "name": "赵教授",
        "gender": "female",
        "county": "330824",
        "organisation_name": "浙江农林大学",
        "title": "教授",
        "specialties": "茶叶栽培",
        "tags": ["茶叶", "植保"],
        "is_expert": True,
        "phone": "13900000001",
        "email": "zhao@example.edu.cn",
    }
    data.update(overrides)
    return data


# --- people ---------------------------------------------------------------------------------------------


def test_contacts_are_shown_to_county_staff_and_hidden_from_the_leader(staff_a, leader_a, expert_person_a):
    shown = client_for(staff_a).get(f"{PEOPLE}/{expert_person_a.pk}").json()
    assert shown["phone"] == "13800000000"
    assert shown["email"] == expert_person_a.email

    hidden = client_for(leader_a).get(f"{PEOPLE}/{expert_person_a.pk}").json()
    assert hidden["name"] == "王专家"
    assert hidden["phone"] is None
    assert hidden["email"] is None

    listed = client_for(leader_a).get(PEOPLE).json()["items"]
    assert [(p["name"], p["phone"], p["email"]) for p in listed] == [("王专家", None, None)]
    listed = client_for(staff_a).get(PEOPLE).json()["items"]
    assert listed[0]["phone"] == "13800000000"


def test_expert_sees_their_own_contacts(expert_a, expert_person_a, expert_person_b):
    listed = client_for(expert_a).get(PEOPLE).json()["items"]
    assert [(p["id"], p["phone"]) for p in listed] == [(expert_person_a.pk, "13800000000")]


def test_people_of_another_county_look_absent(staff_a, expert_person_b):
    client = client_for(staff_a)
    assert client.get(PEOPLE).json()["count"] == 0
    assert client.get(f"{PEOPLE}/{expert_person_b.pk}").status_code == 404
    response = client.patch(f"{PEOPLE}/{expert_person_b.pk}", {"name": "改"}, content_type=JSON)
    assert response.status_code == 404
    expert_person_b.refresh_from_db()
    assert expert_person_b.name == "李专家"


def test_staff_creates_updates_and_deletes_a_person(staff_a, org_x):
    client = client_for(staff_a)
    response = client.post(PEOPLE, new_person_payload(organisation=org_x.pk), content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["county"] == {"code": "330824", "name": "开化县"}
    assert body["organisation"] == {"id": org_x.pk, "name": org_x.name}
    assert body["workplace"] == org_x.name
    assert body["tags"] == ["植保", "茶叶"] or sorted(body["tags"]) == ["植保", "茶叶"]
    assert body["kinds"] == ["专家"]
    assert body["phone"] == "13900000001"
    pk = body["id"]

    response = client.patch(
        f"{PEOPLE}/{pk}", {"title": "研究员", "tags": ["茶叶"], "organisation": None}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "研究员"
    assert response.json()["tags"] == ["茶叶"]
    assert response.json()["organisation"] is None

    assert client.delete(f"{PEOPLE}/{pk}").status_code == 204
    assert not Person.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_type="core.person", object_id=str(pk)).exists()


def test_person_validation_errors(staff_a, org_y):
    client = client_for(staff_a)
    response = client.post(PEOPLE, new_person_payload(is_expert=False), content_type=JSON)
    assert response.status_code == 422
    assert "至少选择一种身份" in response.json()["detail"][0]["message"]

    response = client.post(PEOPLE, new_person_payload(county="339999"), content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "county"

    response = client.post(PEOPLE, new_person_payload(organisation=org_y.pk), content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "organisation"

    response = client.post(PEOPLE, new_person_payload(phone="电话号码"), content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "phone"


def test_staff_may_not_create_a_person_in_another_county(staff_a, county_b):
    response = client_for(staff_a).post(PEOPLE, new_person_payload(county="330822"), content_type=JSON)
    assert response.status_code == 403
    assert not Person.objects.filter(name="赵教授").exists()
    assert denied_events("staff_a", "person.create").exists()


def test_staff_may_not_move_a_person_to_another_county(staff_a, expert_person_a, county_b):
    response = client_for(staff_a).patch(
        f"{PEOPLE}/{expert_person_a.pk}", {"county": "330822"}, content_type=JSON
    )
    assert response.status_code == 403
    expert_person_a.refresh_from_db()
    assert expert_person_a.county_id == "330824"
    assert denied_events("staff_a", "person.update:county_id").exists()


def test_leader_may_not_write_people(leader_a, expert_person_a):
    client = client_for(leader_a)
    assert client.post(PEOPLE, new_person_payload(), content_type=JSON).status_code == 403
    assert (
        client.patch(f"{PEOPLE}/{expert_person_a.pk}", {"name": "改"}, content_type=JSON).status_code == 403
    )
    assert client.delete(f"{PEOPLE}/{expert_person_a.pk}").status_code == 403
    assert denied_events("leader_a").count() == 3


def test_enterprise_registers_a_contact_of_its_own_organisation(enterprise_x, org_x, org_y):
    client = client_for(enterprise_x)
    payload = new_person_payload(
        name="钱联系人", is_expert=False, is_contact=True, organisation=org_x.pk, tags=[]
    )
    response = client.post(PEOPLE, payload, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "13900000001"
    # An expert for the county pool is registered by county staff only.
    payload = new_person_payload(name="孙专家", organisation=org_x.pk)
    assert client.post(PEOPLE, payload, content_type=JSON).status_code == 403


def test_people_filters(staff_a, county_a):
    PersonFactory(
        name="周特派员", county=county_a, is_expert=False, is_commissioner=True, specialties="山茶油"
    )
    PersonFactory(name="吴专家", county=county_a, specialties="光伏材料")
    client = client_for(staff_a)
    assert [p["name"] for p in client.get(PEOPLE, {"kind": "commissioner"}).json()["items"]] == ["周特派员"]
    assert [p["name"] for p in client.get(PEOPLE, {"q": "光伏"}).json()["items"]] == ["吴专家"]
    assert client.get(PEOPLE, {"kind": "boss"}).status_code == 422


# --- audit log ------------------------------------------------------------------------------------------


def test_auditor_reads_the_audit_log(auditor_user, staff_a, org_x):
    client_for(staff_a).patch(f"/api/organisations/{org_x.pk}", {"address": "音坑乡"}, content_type=JSON)
    client = client_for(auditor_user)
    response = client.get("/api/audit", {"username": "staff_a", "action": "update"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    event = body["items"][0]
    assert event["object_type"] == "core.organisation"
    assert event["after"] == {"address": "音坑乡"}
    assert event["result"] == "ok"
    assert client.get("/api/audit", {"result": "denied"}).json()["count"] == 0
    assert client.get("/api/audit", {"start": "2000-01-01", "end": "2000-12-31"}).json()["count"] == 0
    assert client.get("/api/audit", {"start": "昨天"}).status_code == 422


@pytest.mark.parametrize("fixture", ["admin_user", "staff_a", "province_user"])
def test_others_may_not_read_the_audit_log_and_the_refusal_is_audited(request, fixture):
    user = request.getfixturevalue(fixture)
    response = client_for(user).get("/api/audit")
    assert response.status_code == 403
    assert denied_events(user.username, "audit.read").exists()


# --- the current account and tokens ---------------------------------------------------------------------


def test_me_lists_roles_with_their_scope(staff_a, enterprise_x, org_x):
    me = client_for(staff_a).get("/api/me").json()
    assert me["username"] == "staff_a"
    assert me["full_name"] == "staff_a"
    assert me["roles"] == [
        {
            "role": "staff",
            "label": "科技管理科",
            "region": {"code": "330824", "name": "开化县"},
            "organisation": None,
            "person": None,
        }
    ]
    assert me["can_import"] is True and me["can_read_audit"] is False
    me = client_for(enterprise_x).get("/api/me").json()
    assert me["roles"][0]["organisation"] == {"id": org_x.pk, "name": org_x.name}


def test_token_is_created_with_a_session_and_shown_once(staff_a, org_x):
    client = client_for(staff_a)
    response = client.post("/api/tokens", {"name": "统计脚本"}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    plain = body["token"]
    assert plain.startswith("kc_") and body["prefix"] == plain[:8]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.digest != plain and plain not in token.digest

    bearer = Client(headers={"authorization": f"Bearer {plain}"})
    assert bearer.get("/api/me").json()["username"] == "staff_a"
    listed = bearer.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["统计脚本"]
    assert "token" not in listed[0]

    # A token cannot mint more tokens: creating one needs the browser session.
    assert bearer.post("/api/tokens", {"name": "再来一个"}, content_type=JSON).status_code == 401
    assert ApiToken.objects.filter(user=staff_a).count() == 1


def test_token_creation_with_a_session_needs_csrf(staff_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    assert client.post("/api/tokens", {"name": "x"}, content_type=JSON).status_code == 403
    assert not ApiToken.objects.exists()


def test_account_without_roles_cannot_create_a_token(outsider):
    response = client_for(outsider).post("/api/tokens", {"name": "x"}, content_type=JSON)
    assert response.status_code == 403
    assert "没有角色" in response.json()["detail"]


def test_tokens_are_revoked_by_their_owner_only(staff_a, staff_b):
    token_a, plain_a = services.api_token_create(user=staff_a, name="a")
    token_b, _plain = services.api_token_create(user=staff_b, name="b")
    client = client_for(staff_a)
    assert client.delete(f"/api/tokens/{token_b.pk}").status_code == 404
    assert ApiToken.objects.filter(pk=token_b.pk).exists()
    assert client.delete(f"/api/tokens/{token_a.pk}").status_code == 204
    assert not ApiToken.objects.filter(pk=token_a.pk).exists()
    assert Client(headers={"authorization": f"Bearer {plain_a}"}).get("/api/me").status_code == 401


# --- reference tables -----------------------------------------------------------------------------------


def test_regions(outsider):
    client = client_for(outsider)
    townships = client.get("/api/regions", {"parent": "330824", "page_size": 100}).json()
    assert townships["count"] > 5
    assert all(r["level"] == "township" and r["parent"] == "330824" for r in townships["items"])
    region = client.get("/api/regions/330824").json()
    assert region["name"] == "开化县"
    assert region["full_name"] == "浙江省衢州市开化县"
    assert region["parent"] == "330800" and region["parent_name"] == "衢州市"
    assert client.get("/api/regions", {"level": "city", "q": "衢州"}).json()["items"][0]["code"] == "330800"
    assert client.get("/api/regions/000000").status_code == 404
    assert client.get("/api/regions", {"level": "village"}).status_code == 422
    assert Client().get("/api/regions").status_code == 401


def test_industries(outsider):
    client = client_for(outsider)
    found = client.get("/api/industries", {"q": "3985"}).json()["items"]
    assert [i["code"] for i in found] == ["3985"]
    assert found[0]["level"] == "class" and found[0]["section"] == "C"
    assert client.get("/api/industries/C").json()["level"] == "section"
    classes = client.get("/api/industries", {"level": "class", "high_tech": True, "page_size": 5}).json()
    assert classes["count"] > 0
    assert all(i["is_high_tech_manufacturing"] for i in classes["items"])
    assert client.get("/api/industries/0000").status_code == 404


def test_schema_choices_match_the_models():
    from typing import get_args

    from kechuang.core import api_schemas
    from kechuang.core.models import IndustryClass, Organisation, Region

    pairs = [
        (api_schemas.OrganisationKind, Organisation.Kind.values),
        (api_schemas.OrganisationSize, [*Organisation.Size.values, ""]),
        (api_schemas.Gender, [*Person.Gender.values, ""]),
        (api_schemas.RegionLevel, Region.Level.values),
        (api_schemas.IndustryLevel, IndustryClass.Level.values),
        (api_schemas.AuditResult, AuditEvent.Result.values),
    ]
    for literal, values in pairs:
        assert set(get_args(literal)) == set(values)
