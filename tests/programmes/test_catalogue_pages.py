"""The catalogue pages: policy documents and their incentive rules, programmes, calls. Real records made
through the services, pages read through the Django test client, as each role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Call, IncentiveRule, PolicyDocument, Programme, Status
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .fixtures import _programme, make_call

pytestmark = pytest.mark.django_db

GOOD_POLICY = {
    "title": "开化县关于支持企业研发投入的实施意见",
    "number": "开经信〔2024〕80号",
    "issuing_bodies": "开化县经济和信息化局、开化县财政局",
    "issued_on": "2024-06-18",
    "bureau_role": "drafted",
    "full_text": "第一条 为加快创新。\n第二条 对新认定的企业给予奖励。",
}


def url(name, *args):
    return reverse(f"programmes:{name}", args=args)


def _open_call(staff, programme, name="本年第一批", **extra):
    """A call open today, whatever today is (the pages compare with the local date)."""
    today = timezone.localdate()
    return services.call_save(
        by=staff,
        data={
            "programme": programme, "year": today.year, "name": name, "opens_on": today - dt.timedelta(days=5),
            "closes_on": today + dt.timedelta(days=40), "county_deadline": today + dt.timedelta(days=30),
            **extra,
        },
    )  # fmt: skip


def _apply(staff, call, organisation, *, to=(), title=""):
    app = services.application_create(
        by=staff, data={"call": call, "organisation": organisation, "title": title}
    )
    for status in to:
        services.application_transition(application=app, to=status, by=staff, comment="意见")
    return app


# --- policies -----------------------------------------------------------------------------------------------


def test_policy_list_searches_by_title_number_and_year(staff_a, county_a, policy_a):
    services.policy_save(
        by=staff_a, data={**GOOD_POLICY, "county": county_a, "issued_on": dt.date(2024, 6, 18)}
    )
    client = client_for(staff_a)

    page = client.get(url("policy_list")).content.decode()
    assert "开政办发〔2025〕12号" in page and "开经信〔2024〕80号" in page
    assert "2025年4月1日" in page

    by_number = client.get(url("policy_list"), {"q": "开经信"}).content.decode()
    assert "开经信〔2024〕80号" in by_number and "开政办发〔2025〕12号" not in by_number
    by_year = client.get(url("policy_list"), {"year": "2025"}).content.decode()
    assert "开政办发〔2025〕12号" in by_year and "开经信〔2024〕80号" not in by_year

    partial = client.get(url("policy_list"), {"q": "研发"}, headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="results"') and "<html" not in partial
    assert "开经信〔2024〕80号" in partial


def test_policy_detail_shows_number_rules_programmes_and_text(staff_a, policy_a, hte, incentive):
    services.policy_save(by=staff_a, policy=policy_a, data={"full_text": "第一条 总则。\n第三条 奖励。"})
    response = client_for(staff_a).get(url("policy_detail", policy_a.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "开政办发〔2025〕12号" in page and "开化县人民政府办公室" in page and "2025年4月1日" in page
    assert "牵头起草" in page
    # the rule: item, article, achievement programme and year, 200,000 元 shown as 20万元, no cap
    assert "首次认定高新技术企业" in page and "第三条" in page and "国家高新技术企业认定" in page
    assert "2025 年" in page and "20万元" in page and "不设上限" in page
    # the programme based on it, and the full text kept with its line breaks
    assert "2026年度科技创新政策奖励兑现" in page
    assert "第一条 总则。\n第三条 奖励。" in page
    assert url("policy_edit", policy_a.pk) in page and url("rule_create", policy_a.pk) in page


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("开经信2024-80号", "缺少用六角括号〔〕括起的年份"),
        ("开经信〔2024〕080号", "不应编虚位"),
        ("开经信〔2024〕80", "须以“号”结尾"),
    ],
)
def test_create_policy_with_a_bad_number_shows_the_parsers_error_and_creates_nothing(
    staff_a, county_a, number, message
):
    response = client_for(staff_a).post(url("policy_create"), {**GOOD_POLICY, "number": number})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    # the message sits with the 文号 field
    field = page[page.index('id="id_number"') :]
    assert field.index(message) < field.index("</div>")
    assert not PolicyDocument.objects.exists()


def test_create_policy_year_mismatch_is_put_on_the_date_field(staff_a, county_a):
    response = client_for(staff_a).post(url("policy_create"), {**GOOD_POLICY, "issued_on": "2023-12-30"})
    page = response.content.decode()
    assert "成文日期的年份应与文号年份 2024 一致" in page
    assert not PolicyDocument.objects.exists()


def test_staff_create_and_edit_a_policy_and_both_are_audited(staff_a, county_a):
    client = client_for(staff_a)
    response = client.post(url("policy_create"), {**GOOD_POLICY, "number": "开经信[2024]80号"})
    policy = PolicyDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == url("policy_detail", policy.pk)
    assert policy.county == county_a and policy.number == "开经信〔2024〕80号"  # brackets normalised
    assert policy.issuer_code == "开经信" and policy.number_serial == 80

    edit = client.get(url("policy_edit", policy.pk)).content.decode()
    assert "开经信〔2024〕80号" in edit and 'value="2024-06-18"' in edit
    response = client.post(
        url("policy_edit", policy.pk), {**GOOD_POLICY, "title": "关于支持企业研发投入的意见"}
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.title == "关于支持企业研发投入的意见"

    events = AuditEvent.objects.filter(object_type="programmes.policydocument", object_id=str(policy.pk))
    assert set(events.values_list("action", flat=True)) == {"create", "update"}
    update = events.get(action="update")
    assert update.username == "staff_a"
    assert update.before == {"title": GOOD_POLICY["title"]}
    assert update.after == {"title": "关于支持企业研发投入的意见"}


def test_staff_add_edit_and_delete_a_rule_in_wanyuan(staff_a, policy_a, hte, sme):
    client = client_for(staff_a)
    form = client.get(url("rule_create", policy_a.pk)).content.decode()
    assert "国家高新技术企业认定" in form and "每项奖励（万元）" in form

    data = {
        "item": "新认定国家科技型中小企业",
        "article": "第四条",
        "achievement": sme.pk,
        "achievement_year": 2025,
    }
    response = client.post(url("rule_create", policy_a.pk), {**data, "amount": "2", "cap": "1"})
    assert response.status_code == 200 and "每家上限不能低于每项奖励" in response.content.decode()
    assert not IncentiveRule.objects.exists()

    response = client.post(url("rule_create", policy_a.pk), {**data, "amount": "2.5", "cap": ""})
    assert response.status_code == 302
    rule = IncentiveRule.objects.get()
    assert rule.amount == Decimal("25000.00") and rule.cap is None and rule.policy == policy_a

    assert 'value="2.5"' in client.get(url("rule_edit", rule.pk)).content.decode()
    client.post(url("rule_edit", rule.pk), {**data, "amount": "3", "cap": "30"})
    rule.refresh_from_db()
    assert rule.amount == Decimal("30000.00") and rule.cap == Decimal("300000.00")
    assert "3万元" in client.get(url("policy_detail", policy_a.pk)).content.decode()

    assert client.get(url("rule_delete", rule.pk)).status_code == 405
    response = client.post(url("rule_delete", rule.pk))
    assert response.status_code == 302 and not IncentiveRule.objects.exists()
    actions = AuditEvent.objects.filter(object_type="programmes.incentiverule").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "delete", "update"]


def test_rules_are_listed_in_article_order(staff_a, policy_a, hte, sme, key_rd):
    for item, article, programme in [
        ("十二", "第十二条", key_rd),
        ("三", "第三条", hte),
        ("附", "", sme),
        ("五", "第五条", sme),
    ]:
        services.rule_save(
            by=staff_a, policy=policy_a,
            data={"item": f"条款{item}", "article": article, "achievement": programme, "achievement_year": 2025,
                  "amount": Decimal("10000"), "cap": None},
        )  # fmt: skip
    page = client_for(staff_a).get(url("policy_detail", policy_a.pk)).content.decode()
    order = [page.index(f"条款{i}") for i in ("三", "五", "十二", "附")]
    assert order == sorted(order)


def test_a_rule_claimed_in_an_application_cannot_be_deleted(staff_a, org_x, hte, incentive):
    hte_call = make_call(staff_a, hte, year=2025)
    app = _apply(staff_a, hte_call, org_x, to=[Status.SUBMITTED, Status.RECOMMENDED])
    services.application_approve(
        by=staff_a,
        application=app,
        data={"decided_on": dt.date(2025, 12, 8), "certificate_no": "GR202533001234"},
    )
    claim = _apply(staff_a, make_call(staff_a, incentive), org_x, to=[Status.SUBMITTED])
    assert claim.claim_items.exists()
    rule = IncentiveRule.objects.get()

    response = client_for(staff_a).post(url("rule_delete", rule.pk), follow=True)
    assert "该条款已被企业申报引用，不能删除" in response.content.decode()
    assert IncentiveRule.objects.filter(pk=rule.pk).exists()


# --- programmes ------------------------------------------------------------------------------------------------


def test_programme_list_shows_each_programme_with_counts_within_a_query_budget(
    staff_a, county_a, org_x, policy_a, hte, sme, key_rd, incentive, django_assert_max_num_queries
):
    call = make_call(staff_a, key_rd, year=2025)
    make_call(staff_a, key_rd, year=2026)
    _apply(staff_a, call, org_x, title="高性能铜箔研发", to=[Status.SUBMITTED])
    _apply(staff_a, call, OrganisationFactory(region=county_a), title="茶叶加工装备")
    client = client_for(staff_a)
    client.get(url("programme_list"))  # warm the session

    with django_assert_max_num_queries(12):
        page = client.get(url("programme_list")).content.decode()
    row = page[page.index("省重点研发计划</a>") :]
    row = row[: row.index("</tr>")]
    assert "省级" in row and "科技计划项目" in row and "浙江省科学技术厅" in row
    cells = [c.split(">")[-1] for c in row.split("</td>")]
    assert cells[-3:-1] == ["2", "2"]  # calls, applications
    incentive_row = page[page.index("2026年度科技创新政策奖励兑现</a>") :]
    assert "开政办发〔2025〕12号" in incentive_row[: incentive_row.index("</tr>")]
    # grouped by level, national first
    assert page.index(">国家级</th>") < page.index(">省级</th>") < page.index(">县级</th>")

    for i in range(15):  # more programmes, same number of queries
        _programme(staff_a, county_a, name=f"市级项目{i}", level="city", kind="project", award_form="project",
                   category="市竞争性")  # fmt: skip
    with django_assert_max_num_queries(12):
        assert client.get(url("programme_list")).status_code == 200


def test_programme_list_filters_and_sorts(staff_a, hte, sme, key_rd, incentive):
    client = client_for(staff_a)
    national = client.get(url("programme_list"), {"level": "national"}).content.decode()
    assert "国家高新技术企业认定" in national and "省重点研发计划" not in national
    projects = client.get(url("programme_list"), {"kind": "project"}).content.decode()
    assert "省重点研发计划" in projects and "国家高新技术企业认定" not in projects
    search = client.get(url("programme_list"), {"q": "科技型中小"}).content.decode()
    assert "国家科技型中小企业评价" in search and "省重点研发计划" not in search

    by_name = client.get(url("programme_list"), {"sort": "name"}).content.decode()
    assert "group-row" not in by_name
    partial = client.get(url("programme_list"), {"level": "provincial"}, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert text.lstrip().startswith('<section id="results"') and "省重点研发计划" in text


def test_programme_detail_lists_calls_by_year_with_status_counts(staff_a, county_a, org_x, key_rd):
    old = make_call(staff_a, key_rd, year=2025)
    _apply(staff_a, old, org_x, title="甲", to=[Status.SUBMITTED, Status.RECOMMENDED])
    _apply(staff_a, old, OrganisationFactory(region=county_a), title="乙", to=[Status.SUBMITTED])
    _apply(staff_a, old, OrganisationFactory(region=county_a), title="丙", to=[Status.SUBMITTED])
    make_call(staff_a, key_rd, year=2026)

    page = client_for(staff_a).get(url("programme_detail", key_rd.pk)).content.decode()
    assert "2026 年度" in page and "2025 年度" in page
    assert page.index("2026 年度") < page.index("2025 年度")
    legend = page[page.index("2025 年度") :]
    assert "已提交 <strong>2</strong>" in legend and "已推荐 <strong>1</strong>" in legend
    assert "合计 3" in legend
    assert url("call_create", key_rd.pk) in page and url("programme_edit", key_rd.pk) in page


def test_staff_create_and_edit_a_programme_and_a_call(staff_a, county_a, policy_a):
    client = client_for(staff_a)
    form = client.get(url("programme_create")).content.decode()
    assert "开政办发〔2025〕12号" in form and 'name="county"' not in form  # one county: no choice to make
    data = {"county": county_a.pk, "name": "省科技型中小企业", "level": "provincial", "kind": "qualification",
            "award_form": "project", "category": "省科技型中小企业", "issuer": "浙江省科学技术厅",
            "applicant_kinds": ["enterprise"], "is_active": "on"}  # fmt: skip
    response = client.post(url("programme_create"), data)
    assert "该类型的项目不能采用这种结果形式" in response.content.decode()
    response = client.post(url("programme_create"), {**data, "award_form": "registration"})
    programme = Programme.objects.get()
    assert response.status_code == 302 and response["Location"] == url("programme_detail", programme.pk)
    client.post(
        url("programme_edit", programme.pk), {**data, "award_form": "registration", "issuer": "省科技厅"}
    )
    programme.refresh_from_db()
    assert programme.issuer == "省科技厅" and programme.county == county_a

    assert client.get(url("programme_edit", programme.pk)).status_code == 200
    assert "id_opens_on" in client.get(url("call_create", programme.pk)).content.decode()
    call_data = {"year": 2026, "name": "2026年第一批", "opens_on": "2026-03-01", "closes_on": "2026-04-30",
                 "county_deadline": "2026-05-10"}  # fmt: skip
    response = client.post(url("call_create", programme.pk), call_data)
    assert "县级推荐截止应在申报截止之前或当天" in response.content.decode()
    assert not Call.objects.exists()
    response = client.post(url("call_create", programme.pk), {**call_data, "county_deadline": "2026-04-20"})
    call = Call.objects.get()
    assert response.status_code == 302 and response["Location"] == url("call_detail", call.pk)
    assert call.programme == programme
    assert 'value="2026-04-20"' in client.get(url("call_edit", call.pk)).content.decode()
    client.post(url("call_edit", call.pk), {**call_data, "county_deadline": "", "notes": "材料一式两份"})
    call.refresh_from_db()
    assert call.county_deadline is None and call.notes == "材料一式两份"

    types = AuditEvent.objects.filter(username="staff_a").values_list("object_type", "action")
    assert ("programmes.programme", "create") in types and ("programmes.programme", "update") in types
    assert ("programmes.call", "create") in types and ("programmes.call", "update") in types


# --- calls --------------------------------------------------------------------------------------------------------


def test_call_detail_shows_dates_counts_and_applications(staff_a, county_a, org_x, key_rd):
    call = make_call(staff_a, key_rd, year=2025, notes="限高新技术企业申报")
    a1 = _apply(staff_a, call, org_x, title="高性能铜箔研发", to=[Status.SUBMITTED, Status.RECOMMENDED])
    _apply(staff_a, call, OrganisationFactory(region=county_a, name="开化县丙茶业有限公司"), title="茶叶加工",
           to=[Status.SUBMITTED, Status.REJECTED])  # fmt: skip
    _apply(staff_a, call, OrganisationFactory(region=county_a, name="开化县丁机械有限公司"), title="装备")
    client = client_for(staff_a)

    page = client.get(url("call_detail", call.pk)).content.decode()
    assert "2025年3月1日" in page and "2025年4月30日" in page and "2025年4月20日" in page
    assert "已截止" in page and "限高新技术企业申报" in page
    assert "已推荐 <strong>1</strong>" in page and "未通过县级审核 <strong>1</strong>" in page
    assert "本单位（人）的申报" not in page
    assert "草稿 <strong>1</strong>" in page and "合计 3" in page
    assert f'href="/programmes/applications/{a1.pk}/"' in page
    assert f'href="/programmes/applications/new/?call={call.pk}"' in page
    assert url("call_edit", call.pk) in page

    only = client.get(url("call_detail", call.pk), {"status": "rejected"}).content.decode()
    assert "开化县丙茶业有限公司" in only and "开化县丁机械有限公司" not in only


def test_call_detail_says_whether_the_call_is_open_today(staff_a, key_rd):
    call = _open_call(staff_a, key_rd)
    page = client_for(staff_a).get(url("call_detail", call.pk)).content.decode()
    assert "申报中" in page and "距企业提交截止还剩 30 天" in page


# --- who sees and who changes -------------------------------------------------------------------------------------


def test_staff_of_another_county_gets_404_everywhere(staff_b, staff_a, policy_a, key_rd, incentive):
    call = make_call(staff_a, key_rd)
    rule = IncentiveRule.objects.get()
    client = client_for(staff_b)
    for name, pk in [
        ("policy_detail", policy_a.pk), ("policy_edit", policy_a.pk), ("rule_create", policy_a.pk),
        ("rule_edit", rule.pk), ("programme_detail", key_rd.pk), ("programme_edit", key_rd.pk),
        ("call_create", key_rd.pk), ("call_detail", call.pk), ("call_edit", call.pk),
    ]:  # fmt: skip
        assert client.get(url(name, pk)).status_code == 404, name
    assert client.post(url("rule_delete", rule.pk)).status_code == 404
    assert client.post(url("policy_edit", policy_a.pk), GOOD_POLICY).status_code == 404
    assert IncentiveRule.objects.exists()
    lists = (
        client.get(url("programme_list")).content.decode() + client.get(url("policy_list")).content.decode()
    )
    assert "省重点研发计划" not in lists and "开政办发〔2025〕12号" not in lists
    assert AuditEvent.objects.filter(username="staff_b", result="denied").count() >= 9


def test_leader_reads_without_buttons_and_is_refused_writes(leader_a, staff_a, policy_a, key_rd, incentive):
    call = make_call(staff_a, key_rd)
    rule = IncentiveRule.objects.get()
    client = client_for(leader_a)

    for page_url, hidden in [
        (url("policy_list"), url("policy_create")),
        (url("policy_detail", policy_a.pk), url("policy_edit", policy_a.pk)),
        (url("programme_list"), url("programme_create")),
        (url("programme_detail", key_rd.pk), url("call_create", key_rd.pk)),
        (url("call_detail", call.pk), url("call_edit", call.pk)),
    ]:
        response = client.get(page_url)
        assert response.status_code == 200 and hidden not in response.content.decode(), page_url
    detail = client.get(url("policy_detail", policy_a.pk)).content.decode()
    assert "首次认定高新技术企业" in detail and url("rule_delete", rule.pk) not in detail
    assert "新建申报" not in client.get(url("call_detail", call.pk)).content.decode()

    assert client.get(url("policy_create")).status_code == 403
    refused = client.post(url("policy_edit", policy_a.pk), {**GOOD_POLICY, "number": "开政办发〔2025〕12号"})
    assert refused.status_code == 403 and "没有权限" in refused.content.decode()
    assert client.post(url("rule_delete", rule.pk)).status_code == 403
    assert client.post(url("call_edit", call.pk), {"name": "改"}).status_code == 403
    assert client.post(url("programme_create"), {"name": "x"}).status_code == 403
    policy_a.refresh_from_db()
    assert policy_a.title == "开化县关于加快科技创新的若干政策意见" and IncentiveRule.objects.exists()
    assert AuditEvent.objects.filter(username="leader_a", result="denied").count() == 5


def test_city_user_reads_the_county_catalogue(city_user, staff_a, key_rd, policy_a):
    client = client_for(city_user)
    assert "省重点研发计划" in client.get(url("programme_list")).content.decode()
    assert client.get(url("policy_detail", policy_a.pk)).status_code == 200
    assert (
        url("programme_edit", key_rd.pk)
        not in client.get(url("programme_detail", key_rd.pk)).content.decode()
    )


def test_enterprise_sees_its_countys_open_calls_and_only_its_own_applications(
    enterprise_x, staff_a, staff_b, county_a, county_b, org_x, key_rd, hte, policy_a
):
    open_call = _open_call(staff_a, key_rd, name="本年度省重点研发第一批")
    closed = make_call(staff_a, hte, year=2024)
    mine = _apply(staff_a, open_call, org_x, title="我的项目")
    _apply(
        staff_a,
        open_call,
        OrganisationFactory(region=county_a, name="开化县邻居有限公司"),
        title="别人的项目",
    )
    other_county = _programme(staff_b, county_b, name="常山县科技项目", level="county", kind="project",
                              award_form="project", category="县级项目")  # fmt: skip
    other_call = _open_call(staff_b, other_county)
    client = client_for(enterprise_x)

    catalogue = client.get(url("programme_list")).content.decode()
    assert "正在申报" in catalogue and "本年度省重点研发第一批" in catalogue
    assert url("call_detail", open_call.pk) in catalogue
    assert "常山县科技项目" not in catalogue and url("call_detail", other_call.pk) not in catalogue
    assert url("programme_create") not in catalogue

    page = client.get(url("call_detail", open_call.pk)).content.decode()
    assert "申报中" in page and f"/programmes/applications/new/?call={open_call.pk}" in page
    assert "我的项目" in page and f"/programmes/applications/{mine.pk}/" in page
    assert "别人的项目" not in page and "开化县邻居有限公司" not in page and "合计 1" in page
    assert "本单位（人）的申报情况" in page
    assert url("call_edit", open_call.pk) not in page

    assert client.get(url("programme_detail", key_rd.pk)).status_code == 200
    closed_page = client.get(url("call_detail", closed.pk)).content.decode()
    assert "已截止" in closed_page and "新建申报" not in closed_page
    assert client.get(url("call_detail", other_call.pk)).status_code == 404
    assert client.get(url("programme_detail", other_county.pk)).status_code == 404
    # the county's published policies are readable by its enterprises (not editable)
    policy_page = client.get(url("policy_detail", policy_a.pk))
    assert (
        policy_page.status_code == 200 and url("policy_edit", policy_a.pk) not in policy_page.content.decode()
    )
    assert client.get(url("call_edit", open_call.pk)).status_code == 403
    assert client.post(url("call_create", key_rd.pk), {"name": "x"}).status_code == 403


def test_an_inactive_programme_is_hidden_from_enterprises(enterprise_x, staff_a, key_rd):
    call = _open_call(staff_a, key_rd)
    services.programme_save(by=staff_a, programme=key_rd, data={"is_active": False})
    client = client_for(enterprise_x)
    assert "省重点研发计划" not in client.get(url("programme_list")).content.decode()
    assert client.get(url("call_detail", call.pk)).status_code == 404
    assert "省重点研发计划" in client_for(staff_a).get(url("programme_list")).content.decode()


def test_department_users_do_not_get_the_applicants_catalogue(department_user_a, staff_a, key_rd):
    _open_call(staff_a, key_rd)
    page = client_for(department_user_a).get(url("programme_list")).content.decode()
    assert "省重点研发计划" not in page
