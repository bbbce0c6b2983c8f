"""REST API of the programmes engine: lists with filters and pagination, details, tenancy (another
county's records are 404), writes through the services (403, 422 with Chinese messages), transition
conflicts (409), token and session authentication."""

import datetime as dt
import json
import typing
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from kechuang.core import services as core_services
from kechuang.core.models import AuditEvent
from kechuang.programmes import api_schemas, services
from kechuang.programmes.models import (
    Application,
    Disbursement,
    FundingSource,
    Level,
    PolicyDocument,
    Programme,
    Status,
    Transition,
    Voucher,
)
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .fixtures import make_call

pytestmark = pytest.mark.django_db

BASE = "/api/programmes"
JSON = "application/json"


def bearer_client(user):
    _token, plain = core_services.api_token_create(user=user, name="测试")
    return Client(headers={"authorization": f"Bearer {plain}"})


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type=JSON)


def recommended(staff, call, org, title=""):
    application = services.application_create(
        by=staff, data={"call": call, "organisation": org, "title": title}
    )
    services.application_transition(application=application, to=Status.SUBMITTED, by=staff)
    services.application_transition(application=application, to=Status.RECOMMENDED, by=staff)
    return application


@pytest.fixture
def staff_api(staff_a):
    return bearer_client(staff_a)


# --- schema -------------------------------------------------------------------------------------------


def test_openapi_lists_the_programme_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    for path in (
        "/api/programmes/policies",
        "/api/programmes/policies/{id}",
        "/api/programmes/programmes",
        "/api/programmes/calls/{id}",
        "/api/programmes/applications",
        "/api/programmes/applications/{id}/transition",
        "/api/programmes/applications/{id}/approve",
        "/api/programmes/awards/{id}",
        "/api/programmes/qualifications",
        "/api/programmes/disbursements",
        "/api/programmes/vouchers/{id}",
    ):
        assert path in schema["paths"], path
    transition = schema["paths"]["/api/programmes/applications/{id}/transition"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(transition["responses"])


def test_literal_values_match_the_models():
    def values(literal):
        return set(typing.get_args(literal))

    assert values(api_schemas.StatusValue) == set(Status.values)
    assert values(api_schemas.LevelValue) == set(Level.values)
    assert values(api_schemas.KindValue) == set(Programme.Kind.values)
    assert values(api_schemas.BureauRoleValue) == set(PolicyDocument.BureauRole.values)
    assert values(api_schemas.SourceValue) == set(FundingSource.values)
    assert values(api_schemas.VoucherStateValue) == set(Voucher.State.values)


# --- authentication ---------------------------------------------------------------------------------------


def test_token_and_session_authenticate_and_nothing_else(staff_a, policy_a):
    assert Client().get(f"{BASE}/policies").status_code == 401
    wrong = Client(headers={"authorization": "Bearer kc_wrong"}).get(f"{BASE}/policies")
    assert wrong.status_code == 401 and "令牌" in wrong.json()["detail"]
    for client in (bearer_client(staff_a), client_for(staff_a)):
        response = client.get(f"{BASE}/policies")
        assert response.status_code == 200
        assert [p["number"] for p in response.json()["items"]] == ["开政办发〔2025〕12号"]


def test_session_writes_need_the_csrf_token(staff_a, county_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    response = post(client, f"{BASE}/policies", {"county": "330824"})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


# --- policies -------------------------------------------------------------------------------------------


def policy_body(**over):
    body = {
        "county": "330824", "number": "开经信〔2025〕80号", "title": "关于加快科技创新的若干意见",
        "issuing_bodies": "开化县经信科技局", "issued_on": "2025-06-01", "bureau_role": "drafted",
    }  # fmt: skip
    return {**body, **over}


def test_policy_create_validates_the_document_number(staff_api, staff_a):
    response = post(staff_api, f"{BASE}/policies", policy_body(number="开经信2025-80"))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "field": "number",
            "message": "文号“开经信2025-80”缺少用六角括号〔〕括起的年份，正确格式如：开经信〔2020〕80号。",
        }
    ]
    response = post(staff_api, f"{BASE}/policies", policy_body(number="开经信〔2025〕080号"))
    assert response.status_code == 422 and "不应编虚位" in response.json()["detail"][0]["message"]
    response = post(staff_api, f"{BASE}/policies", policy_body(number="开经信〔2025〕" + "9" * 30 + "号"))
    assert response.status_code == 422 and "过长" in response.json()["detail"][0]["message"]
    response = post(staff_api, f"{BASE}/policies", policy_body(issued_on="2024-12-01"))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "issued_on"
    assert not PolicyDocument.objects.exists()

    response = post(staff_api, f"{BASE}/policies", policy_body(number="开经信[2025]80号"))
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["issuer_code"], body["number_year"], body["number_serial"]) == (
        "开经信〔2025〕80号", "开经信", 2025, 80,
    )  # fmt: skip
    assert body["county"] == {"code": "330824", "name": "开化县"} and body["rules"] == []
    assert AuditEvent.objects.filter(
        action="create", object_type="programmes.policydocument", user=staff_a
    ).exists()
    response = post(staff_api, f"{BASE}/policies", policy_body())
    assert response.status_code == 422  # the same 文号 twice in one county


def test_policy_writes_refused_outside_the_county(staff_b, leader_a, county_a):
    response = post(bearer_client(staff_b), f"{BASE}/policies", policy_body())
    assert response.status_code == 403
    response = post(bearer_client(leader_a), f"{BASE}/policies", policy_body())
    assert response.status_code == 403
    response = post(bearer_client(staff_b), f"{BASE}/policies", policy_body(county="330800"))
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "county"
    assert not PolicyDocument.objects.exists()


def test_policy_list_detail_filters_and_tenancy(staff_api, staff_b, leader_a, incentive, policy_a):
    detail = staff_api.get(f"{BASE}/policies/{policy_a.pk}").json()
    assert detail["bureau_role_label"] == "牵头起草"
    assert [(r["item"], r["amount"], r["achievement"]["name"]) for r in detail["rules"]] == [
        ("首次认定高新技术企业", "200000.00", "国家高新技术企业认定")
    ]
    assert staff_api.get(f"{BASE}/policies?year=2025").json()["count"] == 1
    assert staff_api.get(f"{BASE}/policies?year=2024").json()["count"] == 0
    assert staff_api.get(f"{BASE}/policies?q=科技创新").json()["count"] == 1
    assert bearer_client(leader_a).get(f"{BASE}/policies/{policy_a.pk}").status_code == 200
    other = bearer_client(staff_b)
    assert other.get(f"{BASE}/policies").json() == {"items": [], "count": 0}
    response = other.get(f"{BASE}/policies/{policy_a.pk}")
    assert response.status_code == 404 and response.json()["detail"] == "记录不存在或您无权查看。"
    assert AuditEvent.objects.filter(username="staff_b", result="denied").exists()


# --- programmes and calls ---------------------------------------------------------------------------------


def test_programmes_and_calls(staff_api, staff_b, enterprise_x, hte, key_rd):
    listed = staff_api.get(f"{BASE}/programmes").json()
    assert [p["name"] for p in listed["items"]] == ["国家高新技术企业认定", "省重点研发计划"]
    only = staff_api.get(f"{BASE}/programmes?kind=project&level=provincial").json()["items"]
    assert [(p["name"], p["kind_label"], p["level_label"], p["award_form_label"]) for p in only] == [
        ("省重点研发计划", "科技计划项目", "省级", "立项（经费与节点）")
    ]
    assert staff_api.get(f"{BASE}/programmes?kind=nonsense").status_code == 422
    # An enterprise reads its county's catalogue; another county's staff sees none of it.
    assert bearer_client(enterprise_x).get(f"{BASE}/programmes/{hte.pk}").status_code == 200
    assert bearer_client(staff_b).get(f"{BASE}/programmes/{hte.pk}").status_code == 404


def test_calls_list_filters_and_tenancy(staff_a, staff_api, staff_b, hte, key_rd):
    old, new, rd = make_call(staff_a, hte, year=2025), make_call(staff_a, hte), make_call(staff_a, key_rd)
    assert staff_api.get(f"{BASE}/calls").json()["count"] == 3
    assert [c["id"] for c in staff_api.get(f"{BASE}/calls?programme={hte.pk}").json()["items"]] == [
        new.pk,
        old.pk,
    ]
    assert [c["id"] for c in staff_api.get(f"{BASE}/calls?year=2025").json()["items"]] == [old.pk]
    detail = staff_api.get(f"{BASE}/calls/{rd.pk}").json()
    assert detail["programme"] == {"id": key_rd.pk, "name": "省重点研发计划"}
    assert detail["county_deadline"] == "2026-04-20"
    assert bearer_client(staff_b).get(f"{BASE}/calls/{rd.pk}").status_code == 404


# --- applications -------------------------------------------------------------------------------------------


def test_enterprise_creates_a_draft_and_staff_cannot_see_other_counties(
    enterprise_x, org_x, staff_b, staff_a, hte
):
    call = make_call(staff_a, hte)
    client = bearer_client(enterprise_x)
    response = post(client, f"{BASE}/applications", {"call": call.pk, "organisation": org_x.pk})
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["status_label"], body["applicant_name"]) == ("draft", "草稿", org_x.name)
    assert [(t["from_status"], t["to_status"], t["actor"]) for t in body["transitions"]] == [
        ("", "draft", "enterprise_x")
    ]
    assert [m["to"] for m in body["moves"]] == ["submitted"]
    application = Application.objects.get(pk=body["id"])
    assert application.created_by == enterprise_x

    other = bearer_client(staff_b)
    assert other.get(f"{BASE}/applications/{application.pk}").status_code == 404
    assert other.get(f"{BASE}/applications").json()["count"] == 0
    response = post(other, f"{BASE}/applications/{application.pk}/transition", {"to": "submitted"})
    assert response.status_code == 404
    response = post(other, f"{BASE}/applications", {"call": call.pk, "organisation": org_x.pk})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"call", "organisation"}


def test_application_create_reports_rule_errors(staff_api, org_x, org_y, staff_a, key_rd):
    call = make_call(staff_a, key_rd)
    response = post(staff_api, f"{BASE}/applications", {"call": call.pk, "organisation": org_x.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "title", "message": "请填写项目或团队名称。"}]
    body = {
        "call": call.pk,
        "organisation": org_x.pk,
        "title": "茶多酚",
        "total_budget": "100",
        "requested_amount": "200",
    }
    response = post(staff_api, f"{BASE}/applications", body)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "requested_amount"
    response = post(staff_api, f"{BASE}/applications", {**body, "requested_amount": "-1"})
    assert response.status_code == 422 and response.json()["detail"][0]["message"] == "不能小于 0。"
    response = post(staff_api, f"{BASE}/applications", {"call": call.pk})
    assert response.status_code == 422
    assert not Application.objects.exists()


def test_application_list_filters_and_pagination(staff_a, staff_api, county_a, hte, key_rd):
    hte_old, hte_new, rd = (
        make_call(staff_a, hte, year=2025),
        make_call(staff_a, hte),
        make_call(staff_a, key_rd),
    )
    orgs = [OrganisationFactory(region=county_a) for _ in range(5)]
    for org in orgs[:3]:
        recommended(staff_a, hte_old, org)
    services.application_create(by=staff_a, data={"call": hte_new, "organisation": orgs[3]})
    services.application_create(
        by=staff_a, data={"call": rd, "organisation": orgs[4], "title": "高山茶园数字化"}
    )

    def ids(query):
        response = staff_api.get(f"{BASE}/applications{query}")
        assert response.status_code == 200, response.content
        return response.json()

    assert ids("")["count"] == 5
    assert ids("?status=recommended")["count"] == 3
    assert ids("?status=draft&kind=project")["items"][0]["title"] == "高山茶园数字化"
    assert ids(f"?programme={hte.pk}&year=2026")["count"] == 1
    assert ids(f"?call={hte_old.pk}")["count"] == 3
    assert ids("?q=高山")["count"] == 1
    page = ids("?page=2&page_size=2")
    assert page["count"] == 5 and len(page["items"]) == 2
    assert staff_api.get(f"{BASE}/applications?status=unknown").status_code == 422
    assert staff_api.get(f"{BASE}/applications?page_size=1000").status_code == 422


def test_transitions_roles_and_conflicts(staff_a, staff_api, enterprise_x, org_x, hte):
    call = make_call(staff_a, hte, year=2025)
    application = services.application_create(by=staff_a, data={"call": call, "organisation": org_x})
    url = f"{BASE}/applications/{application.pk}/transition"

    response = post(staff_api, url, {"to": "submitted", "comment": "纸质材料代为提交"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["transitions"][-1]["comment"] == "纸质材料代为提交"
    assert {m["to"] for m in body["moves"]} == {"returned", "rejected", "recommended", "withdrawn"}

    # The enterprise may not recommend its own application: 403, audited.
    response = post(bearer_client(enterprise_x), url, {"to": "recommended"})
    assert response.status_code == 403 and "推荐上报" in response.json()["detail"]
    assert AuditEvent.objects.filter(username="enterprise_x", result="denied").exists()

    # A return needs a reason: 422 on the comment.
    response = post(staff_api, url, {"to": "returned"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "comment", "message": "“退回修改”须填写理由。"}]

    # Two people recommend at the same time: the second finds it done (409) and nothing changes.
    assert post(staff_api, url, {"to": "recommended", "expected": "submitted"}).status_code == 200
    response = post(staff_api, url, {"to": "recommended", "expected": "submitted"})
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == "该申报当前状态为“已推荐”，与您看到的“已提交”不同（可能已由他人办理），操作未执行。"
    )
    response = post(staff_api, url, {"to": "recommended"})
    assert response.status_code == 409
    assert response.json()["detail"] == "该申报已是“已推荐”（可能已由他人办理），操作未重复执行。"
    assert Transition.objects.filter(application=application, to_status="recommended").count() == 1

    # A move the table does not have is a 422; approval goes through its own endpoint.
    response = post(staff_api, url, {"to": "paid"})
    assert response.status_code == 422 and "不能变更为" in response.json()["detail"][0]["message"]
    response = post(staff_api, url, {"to": "approved"})
    assert response.status_code == 422 and "专门的办理页面" in response.json()["detail"][0]["message"]


def test_approve_records_the_award_once(staff_a, staff_api, staff_b, org_x, hte):
    call = make_call(staff_a, hte, year=2025)
    application = recommended(staff_a, call, org_x)
    url = f"{BASE}/applications/{application.pk}/approve"
    response = post(staff_api, url, {"decided_on": "2025-12-08"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "certificate_no", "message": "资质认定须填写证书编号。"}]
    assert post(bearer_client(staff_b), url, {"decided_on": "2025-12-08"}).status_code == 404
    body = {
        "decided_on": "2025-12-08",
        "certificate_no": "GR202533001234",
        "document": "国科火字〔2025〕201号",
    }
    response = post(staff_api, url, body)
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["award_id"]
    award = staff_api.get(f"{BASE}/awards/{response.json()['award_id']}").json()
    assert (award["valid_from"], award["valid_until"], award["certificate_no"]) == (
        "2025-12-08", "2028-12-07", "GR202533001234",
    )  # fmt: skip
    response = post(staff_api, url, body)
    assert response.status_code == 409 and "已是“已立项/认定”" in response.json()["detail"]


# --- awards, qualifications, disbursements, vouchers ------------------------------------------------------


def test_qualifications_and_the_expiring_filter(staff_a, staff_api, staff_b, county_a, hte, key_rd):
    today = timezone.localdate()
    call = make_call(staff_a, hte, year=2023)
    soon, later = (OrganisationFactory(region=county_a) for _ in range(2))
    for org, decided, no in ((soon, today - relativedelta(years=3, months=-2), "GR1"), (later, today, "GR2")):
        services.application_approve(
            by=staff_a,
            application=recommended(staff_a, call, org),
            data={"decided_on": decided, "certificate_no": no},
        )
    project = services.application_approve(
        by=staff_a, application=recommended(staff_a, make_call(staff_a, key_rd, year=2025), soon, "茶"),
        data={"decided_on": dt.date(2025, 9, 1), "amount": Decimal("500000")},
    )  # fmt: skip
    assert staff_api.get(f"{BASE}/awards").json()["count"] == 3
    assert staff_api.get(f"{BASE}/awards?programme={key_rd.pk}").json()["items"][0]["id"] == project.pk
    listed = staff_api.get(f"{BASE}/qualifications").json()
    assert [q["certificate_no"] for q in listed["items"]] == ["GR1", "GR2"]
    expiring = staff_api.get(f"{BASE}/qualifications?expiring=1").json()
    assert [q["holder_name"] for q in expiring["items"]] == [soon.name]
    assert staff_api.get(f"{BASE}/qualifications?expiring=1&months=1").json()["count"] == 0
    assert bearer_client(staff_b).get(f"{BASE}/qualifications").json()["count"] == 0
    assert bearer_client(staff_b).get(f"{BASE}/awards/{project.pk}").status_code == 404


def test_disbursements_are_created_through_the_service(
    staff_a, staff_api, staff_b, enterprise_x, org_x, key_rd
):
    application = recommended(staff_a, make_call(staff_a, key_rd, year=2025), org_x, "茶多酚提取")
    award = services.application_approve(
        by=staff_a, application=application,
        data={"decided_on": dt.date(2025, 9, 1), "amount": Decimal("500000"), "matching_amount": Decimal("100000")},
    )  # fmt: skip
    body = {"award": award.pk, "amount": "300000", "source": "provincial", "fiscal_year": 2025,
            "paid_on": "2025-10-10", "voucher_no": "记-2025-10-01"}  # fmt: skip
    response = post(staff_api, f"{BASE}/disbursements", body)
    assert response.status_code == 201
    paid = response.json()
    assert (paid["amount"], paid["source_label"], paid["holder_name"]) == (
        "300000.00",
        "省级财政",
        org_x.name,
    )
    assert paid["programme"] == {"id": key_rd.pk, "name": "省重点研发计划"}

    response = post(staff_api, f"{BASE}/disbursements", {**body, "voucher_no": "记-2"})
    assert response.status_code == 422
    assert (
        response.json()["detail"][0]["field"] == "amount"
        and "将超过核定金额" in response.json()["detail"][0]["message"]
    )
    matching = {**body, "amount": "50000", "source": "county", "is_matching": True, "voucher_no": "记-3"}
    response = post(staff_api, f"{BASE}/disbursements", matching)
    assert response.status_code == 422 and response.json()["detail"][0]["message"] == "须先发布资金兑现公示。"
    response = post(staff_api, f"{BASE}/disbursements", {**body, "amount": "0"})
    assert response.status_code == 422
    response = post(bearer_client(staff_b), f"{BASE}/disbursements", body)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "award"
    response = post(
        bearer_client(enterprise_x), f"{BASE}/disbursements", {**body, "voucher_no": "记-4", "amount": "1"}
    )
    assert response.status_code == 403
    assert Disbursement.objects.count() == 1

    assert staff_api.get(f"{BASE}/disbursements?fiscal_year=2025&source=provincial").json()["count"] == 1
    assert staff_api.get(f"{BASE}/disbursements?is_matching=true").json()["count"] == 0
    assert bearer_client(enterprise_x).get(f"{BASE}/disbursements/{paid['id']}").status_code == 200
    assert bearer_client(staff_b).get(f"{BASE}/disbursements/{paid['id']}").status_code == 404


def test_vouchers(staff_a, staff_api, staff_b, enterprise_x, org_x):
    voucher = services.voucher_issue(
        by=staff_a,
        data={"number": "KH2026-0001", "organisation": org_x, "amount": Decimal("50000"),
              "issued_on": dt.date(2026, 1, 10), "expires_on": dt.date(2026, 12, 31)},
    )  # fmt: skip
    body = staff_api.get(f"{BASE}/vouchers/{voucher.pk}").json()
    assert (body["number"], body["balance"], body["state_label"]) == ("KH2026-0001", "50000.00", "已发放")
    assert staff_api.get(f"{BASE}/vouchers?state=issued&q=KH2026").json()["count"] == 1
    assert staff_api.get(f"{BASE}/vouchers?state=expired").json()["count"] == 0
    assert bearer_client(enterprise_x).get(f"{BASE}/vouchers").json()["count"] == 1
    assert bearer_client(staff_b).get(f"{BASE}/vouchers/{voucher.pk}").status_code == 404
    assert staff_api.get(f"{BASE}/vouchers/abc").status_code == 422


def test_dates_out_of_the_calendar_the_services_use_are_422(staff_a, staff_api, org_x, hte):
    """A qualification approved on 9999-01-01 would be valid until the year 10002, which Python's dates
    cannot hold: the schema bounds the dates instead of letting the service crash."""
    application = recommended(staff_a, make_call(staff_a, hte, year=2025), org_x)
    url = f"{BASE}/applications/{application.pk}/approve"
    response = post(staff_api, url, {"decided_on": "9999-01-01", "certificate_no": "GR1"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "decided_on", "message": "日期须在 1949–2100 年之间。"}]
    assert Application.objects.get(pk=application.pk).status == Status.RECOMMENDED
