"""The coaching log (服务记录): recorded by staff, filtered, exported, shown on an enterprise's page, and
kept to the county."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent, Role
from kechuang.programmes import services
from kechuang.programmes.models import ServiceLog
from kechuang.programmes.views_notices import servicelog_context
from tests.conftest import client_for, make_user
from tests.factories import OrganisationFactory

LIST = reverse("programmes:servicelog_list")
NEW = reverse("programmes:servicelog_create")


@pytest.fixture
def staff_a2(county_a):
    return make_user("staff_a2", role=Role.STAFF, region=county_a)


@pytest.fixture
def org_w(county_a):
    return OrganisationFactory(name="开化县戊材料有限公司", region=county_a)


def log(by, org, day, channel, topic, **extra):
    return services.service_log_save(
        by=by, data={"organisation": org, "date": day, "channel": channel, "topic": topic, **extra}
    )


@pytest.fixture
def logs(staff_a, staff_a2, org_x, org_w, hte):
    return [
        log(staff_a, org_x, dt.date(2026, 3, 2), "phone", "电话辅导高新技术企业申报材料", programme=hte),
        log(staff_a, org_x, dt.date(2026, 3, 12), "visit", "上门核对研发费用辅助账", follow_up="4月底前复核"),
        log(staff_a2, org_w, dt.date(2026, 4, 8), "visit", "走访了解技术需求"),
        log(staff_a2, org_w, dt.date(2026, 4, 20), "joint_tax", "联合税务局讲解研发费用加计扣除"),
    ]


def topics(response):
    return [entry.topic for entry in response.context["page"]]


def test_staff_record_a_service_from_the_enterprise(staff_a, org_x, hte):
    client = client_for(staff_a)
    form_page = client.get(NEW, {"organisation": org_x.pk}).content.decode()
    assert f'<option value="{org_x.pk}" selected>' in form_page
    response = client.post(
        NEW,
        {"organisation": org_x.pk, "date": "2026-03-12", "channel": "visit", "programme": hte.pk,
         "topic": "上门辅导高新技术企业认定", "follow_up": "补充知识产权清单"},
    )  # fmt: skip
    assert response.status_code == 302 and response.url == LIST
    entry = ServiceLog.objects.get()
    assert (entry.staff, entry.county_id, entry.channel) == (staff_a, "330824", "visit")
    assert AuditEvent.objects.filter(
        action="create", object_type="programmes.servicelog", user=staff_a
    ).exists()
    page = client.get(LIST).content.decode()
    assert "上门辅导高新技术企业认定" in page and "补充知识产权清单" in page
    assert "2026年3月12日" in page


def test_a_record_needs_a_topic(staff_a, org_x):
    response = client_for(staff_a).post(
        NEW, {"organisation": org_x.pk, "date": "2026-03-12", "channel": "phone"}
    )
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    assert not ServiceLog.objects.exists()


def test_filters(staff_a, staff_a2, org_x, org_w, logs):
    client = client_for(staff_a)
    assert len(topics(client.get(LIST))) == 4
    assert topics(client.get(LIST, {"channel": "visit"})) == ["走访了解技术需求", "上门核对研发费用辅助账"]
    assert topics(client.get(LIST, {"start": "2026-03-10", "end": "2026-04-10"})) == [
        "走访了解技术需求",
        "上门核对研发费用辅助账",
    ]
    assert topics(client.get(LIST, {"staff": staff_a2.pk})) == [
        "联合税务局讲解研发费用加计扣除",
        "走访了解技术需求",
    ]
    assert topics(client.get(LIST, {"organisation": org_x.pk})) == [
        "上门核对研发费用辅助账",
        "电话辅导高新技术企业申报材料",
    ]
    assert topics(client.get(LIST, {"q": "加计扣除"})) == ["联合税务局讲解研发费用加计扣除"]
    assert topics(client.get(LIST, {"start": "not-a-date", "channel": "carrier-pigeon"})) == topics(
        client.get(LIST)
    )
    summary = client.get(LIST).context["summary"]
    assert summary == {"n": 4, "visits": 2, "enterprises": 2}
    assert "其中上门走访 2 家次" in client.get(LIST).content.decode()


def test_htmx_gets_the_results_only(staff_a, logs):
    response = client_for(staff_a).get(LIST, {"channel": "phone"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="results"' in html
    assert "电话辅导高新技术企业申报材料" in html and "走访了解技术需求" not in html


def test_excel_export_of_the_filtered_list(staff_a, org_x, logs):
    log(staff_a, org_x, dt.date(2026, 5, 6), "wechat", "=cmd|' /C calc'!A0")
    response = client_for(staff_a).get(LIST, {"organisation": org_x.pk, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["日期", "企业", "统一社会信用代码", "方式", "涉及项目", "内容", "后续跟进", "服务人员"]
    assert len(rows) == 4  # org_x's three records only
    assert rows[1][1] == "开化县甲科技有限公司" and rows[1][3] == "微信"
    assert rows[1][5] == "'=cmd|' /C calc'!A0"  # neutralised
    assert rows[3][4] == "国家高新技术企业认定"
    event = AuditEvent.objects.get(action="export", object_type="programmes.servicelog")
    assert event.user == staff_a and event.after["rows"] == 3


def test_kept_to_the_county(staff_a, staff_b, leader_a, enterprise_x, org_x, logs):
    assert topics(client_for(staff_b).get(LIST)) == []
    response = client_for(staff_b).post(
        NEW, {"organisation": org_x.pk, "date": "2026-03-12", "channel": "phone", "topic": "越界记录"}
    )
    assert response.status_code == 200  # county A's enterprise is no choice for county B's staff
    with pytest.raises(PermissionDenied):
        log(staff_b, org_x, dt.date(2026, 3, 12), "phone", "越界记录")
    assert not ServiceLog.objects.filter(topic="越界记录").exists()
    assert client_for(enterprise_x).get(LIST).status_code == 403
    assert len(topics(client_for(leader_a).get(LIST))) == 4
    assert client_for(leader_a).get(NEW).status_code == 403
    export = client_for(staff_b).get(LIST, {"export": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.content)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1


def test_enterprise_page_partial(staff_a, staff_b, leader_a, org_x, logs):
    html = render_to_string("programmes/_servicelog_for_org.html", servicelog_context(staff_a, org_x))
    assert "上门核对研发费用辅助账" in html and "4月底前复核" in html
    assert "共 2 次，其中上门走访 1 次" in html
    assert f"?organisation={org_x.pk}&amp;next=organisation" in html
    assert "走访了解技术需求" not in html  # another enterprise's
    leader_html = render_to_string("programmes/_servicelog_for_org.html", servicelog_context(leader_a, org_x))
    assert "上门核对研发费用辅助账" in leader_html and "记录一次服务" not in leader_html
    other = render_to_string("programmes/_servicelog_for_org.html", servicelog_context(staff_b, org_x))
    assert "上门核对研发费用辅助账" not in other and "还没有服务记录" in other


def test_back_to_the_enterprise_after_recording(staff_a, org_x):
    response = client_for(staff_a).post(
        NEW + f"?organisation={org_x.pk}&next=organisation",
        {"organisation": org_x.pk, "date": "2026-03-12", "channel": "training", "topic": "研发费用归集培训",
         "next": "organisation"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.url == reverse("organisation_detail", args=[org_x.pk])


def test_list_query_budget(staff_a, org_x, logs, django_assert_max_num_queries):
    for day in range(1, 21):
        log(staff_a, org_x, dt.date(2026, 5, day), "phone", f"电话回访第{day}次")
    client = client_for(staff_a)
    with django_assert_max_num_queries(14):
        response = client.get(LIST)
    assert len(topics(response)) == 24
