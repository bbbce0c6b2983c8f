"""The application pages through the Django test client, with data built through the services."""

import datetime as dt
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kechuang.core.models import AuditEvent, Role
from kechuang.programmes import services
from kechuang.programmes.models import Application, Attachment, Status, Transition
from tests.conftest import client_for, make_user
from tests.factories import OrganisationFactory, PersonFactory

from .fixtures import _programme, at, make_call

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def url(name, *args):
    return reverse(f"programmes:{name}", args=args)


def today():
    return timezone.localdate()


def open_call(staff, programme, name="本年第一批"):
    """A call that is open today, whatever day the tests run."""
    t = today()
    return make_call(
        staff, programme, year=t.year, name=name, opens_on=t - dt.timedelta(days=5),
        closes_on=t + dt.timedelta(days=40), county_deadline=t + dt.timedelta(days=30),
    )  # fmt: skip


def submitted(staff, call, organisation, **data):
    app = services.application_create(by=staff, data={"call": call, "organisation": organisation, **data})
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff)
    return app


@pytest.fixture
def hte_call(staff_a, hte):
    return make_call(staff_a, hte, year=2025)


@pytest.fixture
def org_x_is_hte(staff_a, org_x, hte_call):
    """org_x became a national high-tech enterprise in 2025 (the achievement the claim rests on)."""
    app = submitted(staff_a, hte_call, org_x)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff_a)
    return services.application_approve(
        by=staff_a,
        application=app,
        data={"decided_on": dt.date(2025, 12, 8), "certificate_no": "GR202533001234"},
    )


@pytest.fixture
def claim_call(staff_a, incentive):
    return open_call(staff_a, incentive)


@pytest.fixture
def checked_claim(staff_a, enterprise_x, org_x, org_x_is_hte, claim_call):
    claim = services.application_create(by=enterprise_x, data={"call": claim_call, "organisation": org_x})
    services.application_transition(application=claim, to=Status.SUBMITTED, by=enterprise_x)
    services.application_transition(application=claim, to=Status.CHECKED, by=staff_a)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def county_a_orgs(county_a):
    return [OrganisationFactory(name=f"开化县测试企业{i:02d}有限公司", region=county_a) for i in range(3)]


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- every page renders -------------------------------------------------------------------------------


def test_each_page_renders_for_staff(staff_a, org_x, hte_call, checked_claim, key_rd):
    client = client_for(staff_a)
    recommended = submitted(
        staff_a, hte_call, OrganisationFactory(name="开化县推荐企业", region=org_x.region)
    )
    services.application_transition(application=recommended, to=Status.RECOMMENDED, by=staff_a)
    project = services.application_create(
        by=staff_a,
        data={"call": open_call(staff_a, key_rd), "organisation": org_x, "title": "茶叶深加工关键技术研究",
              "total_budget": Decimal("3000000"), "requested_amount": Decimal("500000")},
    )  # fmt: skip

    pages = {
        url("application_list"): "申报管理",
        url("review_queue"): "待审队列",
        url("application_detail", recommended.pk): "录入上级批准",
        url("application_detail", checked_claim.pk): "核定金额",
        url("application_detail", project.pk): "茶叶深加工关键技术研究",
        url("application_create"): "代为申报",
        url("application_create") + f"?call={hte_call.pk}": "申报单位",
        url("application_edit", project.pk): "总投资",
        url("application_approve", recommended.pk): "证书编号",
        url("application_decide", checked_claim.pk): "首次认定高新技术企业",
    }
    for path, text in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert text in response.content.decode(), path


def test_detail_shows_kind_fields_timeline_and_claim_items(staff_a, checked_claim):
    page = client_for(staff_a).get(url("application_detail", checked_claim.pk)).content.decode()
    assert "按政策测算" in page and "20万元" in page  # 200,000 元 from the rule
    assert "GR202533001234" in page  # the achievement behind the claim item
    assert page.count('class="tl-when"') == 3  # created, submitted, checked
    assert 'value="checked"' in page  # the move buttons carry the status the user saw


def test_list_query_budget_and_htmx_partial(staff_a, county_a, hte_call, django_assert_max_num_queries):
    for i in range(30):
        org = OrganisationFactory(name=f"开化县批量企业{i:02d}", region=county_a)
        submitted(staff_a, hte_call, org)
    client = client_for(staff_a)
    with django_assert_max_num_queries(13):
        response = client.get(url("application_list"))
    page = response.content.decode()
    assert page.count('name="ids"') == 25  # one page of 25, each with a checkbox
    assert "已提交 <b>30</b>" in page
    partial = client.get(url("application_list") + "?q=批量企业07", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="results"' in partial
    assert "开化县批量企业07" in partial and "开化县批量企业08" not in partial


def test_list_filters_by_status_and_kind(staff_a, org_x, hte_call, checked_claim):
    client = client_for(staff_a)
    page = client.get(url("application_list") + "?status=checked").content.decode()
    assert "2026年度科技创新政策奖励兑现<div" in page and "国家高新技术企业认定<div" not in page
    page = client.get(
        url("application_list") + "?kind=qualification&status=bogus&programme=x"
    ).content.decode()
    assert "国家高新技术企业认定<div" in page and "2026年度科技创新政策奖励兑现<div" not in page


# --- enterprises --------------------------------------------------------------------------------------------


def test_enterprise_creates_and_submits_a_claim_and_sees_only_its_own(
    staff_a, staff_b, enterprise_x, org_x, org_y, county_b, org_x_is_hte, claim_call
):
    # org_y (county B) has a claim of its own in county B's programme
    policy_b = services.policy_save(
        by=staff_b,
        data={"county": county_b, "title": "常山县科技政策", "number": "常政发〔2025〕3号",
              "issuing_bodies": "常山县人民政府", "issued_on": dt.date(2025, 2, 1), "bureau_role": "drafted"},
    )  # fmt: skip
    programme_b = _programme(
        staff_b, county_b, name="常山县政策奖励", level="county", kind="incentive", award_form="money",
        category="科技创新政策奖励", policy=policy_b,
    )  # fmt: skip
    app_y = services.application_create(
        by=staff_b, data={"call": open_call(staff_b, programme_b), "organisation": org_y}
    )

    client = client_for(enterprise_x)
    choose = client.get(url("application_create")).content.decode()
    assert "2026年度科技创新政策奖励兑现" in choose and "常山县政策奖励" not in choose
    form = client.get(url("application_create") + f"?call={claim_call.pk}").content.decode()
    assert org_x.name in form and 'name="organisation"' not in form  # fixed, not chosen
    assert 'name="title"' not in form and 'name="summary"' in form  # a claim asks only for a note
    response = client.post(
        url("application_create"),
        {
            "call": claim_call.pk,
            "organisation": org_y.pk,
            "summary": "申请2025年度高企认定奖励",
            "submit": "1",
        },
    )
    claim = Application.objects.get(call=claim_call)
    assert response.status_code == 302 and response["Location"] == url("application_detail", claim.pk)
    assert claim.organisation == org_x and claim.status == Status.SUBMITTED
    assert claim.proposed_amount == Decimal("200000")

    listing = client.get(url("application_list")).content.decode()
    assert "我的申报" in listing and "2026年度科技创新政策奖励兑现" in listing
    assert org_y.name not in listing and "常山县政策奖励" not in listing
    assert 'name="ids"' not in listing  # no bulk actions for enterprises
    assert client.get(url("application_detail", app_y.pk)).status_code == 404
    detail = client.get(url("application_detail", claim.pk)).content.decode()
    assert "20万元" in detail and "提交" in detail


def test_enterprise_sees_money_decided_and_paid(staff_a, enterprise_x, checked_claim):
    services.claim_decide(by=staff_a, application=checked_claim)
    checked_claim.refresh_from_db()
    month_ago = today() - dt.timedelta(days=30)
    with at(month_ago):  # the notice went out a month ago (the services' clock)
        notice = services.notice_publish(
            by=staff_a,
            data={"county": checked_claim.county, "title": "兑现公示", "purpose": "payment",
                  "published_on": month_ago, "working_days": 5},
            applications=[checked_claim],
        )  # fmt: skip
    assert notice.ends_on < today()
    services.disbursement_create(
        by=staff_a, award=checked_claim.award,
        data={"amount": Decimal("120000"), "source": "county", "fiscal_year": today().year, "paid_on": today(),
              "voucher_no": "记-001"},
    )  # fmt: skip
    listing = client_for(enterprise_x).get(url("application_list")).content.decode()
    assert "20万元" in listing and "12万元" in listing  # decided and paid so far
    detail = client_for(staff_a).get(url("application_detail", checked_claim.pk)).content.decode()
    assert f"/programmes/awards/{checked_claim.award.pk}/" in detail  # 兑现 lives on the award page


def test_enterprise_cannot_create_in_a_closed_call(enterprise_x, staff_a, incentive):
    closed = make_call(staff_a, incentive, year=2024)
    response = client_for(enterprise_x).get(url("application_create") + f"?call={closed.pk}", follow=True)
    assert any("不在申报期内" in m for m in messages_of(response))
    assert not Application.objects.exists()


def test_staff_creates_for_an_organisation_and_submits_on_its_behalf(staff_a, org_x, county_a_orgs, hte_call):
    client = client_for(staff_a)
    form = client.get(url("application_create") + f"?call={hte_call.pk}").content.decode()
    assert 'name="organisation"' in form and county_a_orgs[0].name in form
    response = client.post(
        url("application_create"), {"call": hte_call.pk, "organisation": "", "submit": "1"}
    )
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    client.post(url("application_create"), {"call": hte_call.pk, "organisation": org_x.pk, "submit": "1"})
    app = Application.objects.get(organisation=org_x)
    assert app.status == Status.SUBMITTED
    assert app.transitions.last().actor == staff_a


def test_project_form_asks_for_project_fields_and_edit_only_in_draft(staff_a, org_x, key_rd):
    call = open_call(staff_a, key_rd)
    client = client_for(staff_a)
    form = client.get(url("application_create") + f"?call={call.pk}").content.decode()
    for name in ("title", "summary", "total_budget", "requested_amount"):
        assert f'name="{name}"' in form
    response = client.post(
        url("application_create"),
        {
            "call": call.pk,
            "organisation": org_x.pk,
            "title": "",
            "total_budget": "100",
            "requested_amount": "200",
        },
    )
    assert "这个字段是必填项" in response.content.decode()
    response = client.post(
        url("application_create"),
        {
            "call": call.pk,
            "organisation": org_x.pk,
            "title": "X",
            "total_budget": "100",
            "requested_amount": "200",
        },
    )
    assert "申请补助不能超过总投资" in response.content.decode()  # the model's rule, through the service
    client.post(
        url("application_create"), {"call": call.pk, "organisation": org_x.pk, "title": "新型茶饮料研制"}
    )
    app = Application.objects.get(title="新型茶饮料研制")
    assert app.status == Status.DRAFT
    client.post(url("application_edit", app.pk), {"title": "新型茶饮料研制与产业化", "submit": "1"})
    app.refresh_from_db()
    assert app.title == "新型茶饮料研制与产业化" and app.status == Status.SUBMITTED
    response = client.get(url("application_edit", app.pk), follow=True)
    assert any("只有草稿或退回修改的申报可以修改" in m for m in messages_of(response))


def test_enterprise_nominates_one_of_its_own_people_for_a_talent_programme(
    staff_a, enterprise_x, org_x, county_a
):
    talent = _programme(
        staff_a, county_a, name="浙江省“万人计划”", level="provincial", kind="talent", award_form="honour",
        category="万人计划", for_people=True,
    )  # fmt: skip
    call = open_call(staff_a, talent)
    ours = PersonFactory(
        name="周工程师", county=county_a, organisation=org_x, is_expert=False, is_talent=True
    )
    other = PersonFactory(name="别家人才", county=county_a, organisation=OrganisationFactory(region=county_a))
    client = client_for(enterprise_x)
    form = client.get(url("application_create") + f"?call={call.pk}").content.decode()
    assert "推荐人选" in form and ours.name in form and other.name not in form
    assert 'name="title"' not in form and 'name="total_budget"' not in form
    response = client.post(url("application_create"), {"call": call.pk, "person": other.pk})
    assert "选择一个有效的选项" in response.content.decode()
    client.post(
        url("application_create"), {"call": call.pk, "person": ours.pk, "summary": "主持省级项目两项"}
    )
    app = Application.objects.get(call=call)
    assert app.person == ours and app.organisation == org_x and app.status == Status.DRAFT
    listing = client.get(url("application_list")).content.decode()
    assert "推荐 周工程师" in listing


# --- permissions ----------------------------------------------------------------------------------------------


def test_staff_of_another_county_gets_404(staff_a, staff_b, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    client = client_for(staff_b)
    assert client.get(url("application_detail", app.pk)).status_code == 404
    assert client.post(url("application_transition", app.pk), {"to": "recommended"}).status_code == 404
    assert client.get(url("application_approve", app.pk)).status_code == 404
    assert client.post(url("review_add", app.pk), {"opinion": "同意"}).status_code == 404
    assert client.get(url("application_create") + f"?call={hte_call.pk}").status_code == 404
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert AuditEvent.objects.filter(action="permission_denied", username="staff_b").exists()


def test_leader_sees_no_actions_and_may_not_move(staff_a, leader_a, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    client = client_for(leader_a)
    page = client.get(url("application_detail", app.pk)).content.decode()
    assert "推荐上报" not in page and 'name="to"' not in page and 'name="file"' not in page
    response = client.post(url("application_transition", app.pk), {"to": "recommended", "from": "submitted"})
    assert response.status_code == 403
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    assert client.post(url("application_bulk"), {"ids": [app.pk], "to": "recommended"}).status_code == 403
    assert client.get(url("review_queue")).status_code == 403
    assert client.get(url("application_create")).status_code == 403


def test_enterprise_cannot_review_or_decide(enterprise_x, checked_claim):
    client = client_for(enterprise_x)
    assert client.post(url("review_add", checked_claim.pk), {"opinion": "自评通过"}).status_code == 403
    assert client.get(url("application_decide", checked_claim.pk)).status_code == 403
    page = client.get(url("application_detail", checked_claim.pk)).content.decode()
    assert "核定金额 ›" not in page and "添加审核意见" not in page


# --- moving applications ---------------------------------------------------------------------------------


def test_bulk_recommend_reports_done_and_failed_with_reasons(staff_a, county_a_orgs, hte_call):
    ok1 = submitted(staff_a, hte_call, county_a_orgs[0])
    ok2 = submitted(staff_a, hte_call, county_a_orgs[1])
    draft = services.application_create(by=staff_a, data={"call": hte_call, "organisation": county_a_orgs[2]})
    response = client_for(staff_a).post(
        url("application_bulk"),
        {"ids": [ok1.pk, ok2.pk, draft.pk], "to": "recommended", "comment": "", "next": url("review_queue")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("review_queue")
    [message] = messages_of(response)
    assert message.startswith("已处理2件，1件未处理：")
    assert county_a_orgs[2].name in message and "当前状态“草稿”不能变更为“已推荐”" in message
    assert sorted(
        Application.objects.filter(status=Status.RECOMMENDED).values_list("pk", flat=True)
    ) == sorted([ok1.pk, ok2.pk])


def test_bulk_return_needs_a_comment(staff_a, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    client = client_for(staff_a)
    response = client.post(url("application_bulk"), {"ids[]": [app.pk], "to": "returned"}, follow=True)
    assert any("须填写理由" in m for m in messages_of(response))
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    client.post(
        url("application_bulk"), {"ids[]": [app.pk], "to": "returned", "comment": "请补充财务审计报告"}
    )
    app.refresh_from_db()
    assert app.status == Status.RETURNED and app.transitions.last().comment == "请补充财务审计报告"


def test_second_of_two_simultaneous_moves_gets_the_conflict_message(staff_a, county_a, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    colleague = make_user("staff_a2", role=Role.STAFF, region=county_a)
    # Both opened the page while the application was submitted, and both press 推荐上报.
    first = client_for(staff_a).post(
        url("application_transition", app.pk), {"to": "recommended", "from": "submitted"}, follow=True
    )
    second = client_for(colleague).post(
        url("application_transition", app.pk), {"to": "recommended", "from": "submitted"}, follow=True
    )
    assert first.status_code == second.status_code == 200
    assert any("已完成“推荐上报”" in m for m in messages_of(first))
    assert messages_of(second) == ["该申报已由他人处理，当前状态为“已推荐”，您的“推荐上报”操作未执行。"]
    assert Transition.objects.filter(application=app, to_status=Status.RECOMMENDED).count() == 1


def test_move_needing_a_comment_and_a_refused_move_are_messages(staff_a, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    client = client_for(staff_a)
    response = client.post(
        url("application_transition", app.pk), {"to": "returned", "from": "submitted"}, follow=True
    )
    assert any("“退回修改”须填写理由" in m for m in messages_of(response))
    response = client.post(
        url("application_transition", app.pk), {"to": "approved", "from": "submitted"}, follow=True
    )
    assert response.status_code == 200 and any("不能变更为" in m for m in messages_of(response))
    # a `from` that could not lead to the move is ignored: the message tells the real state
    response = client.post(
        url("application_transition", app.pk), {"to": "recommended", "from": "paid"}, follow=True
    )
    assert any("已完成“推荐上报”" in m for m in messages_of(response))
    response = client.post(
        url("application_transition", app.pk), {"to": "recommended", "from": "draft"}, follow=True
    )
    assert any("当前状态“已推荐”不能变更为“已推荐”" in m for m in messages_of(response))
    response = client.post(url("application_transition", app.pk), {"to": "nonsense"}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    assert Transition.objects.filter(application=app, to_status=Status.RECOMMENDED).count() == 1


def test_review_queue_lists_waiting_applications_oldest_first(
    staff_a, county_a_orgs, hte_call, checked_claim
):
    submitted(staff_a, hte_call, county_a_orgs[0])
    submitted(staff_a, hte_call, county_a_orgs[1])
    services.application_create(
        by=staff_a, data={"call": hte_call, "organisation": county_a_orgs[2]}
    )  # a draft
    page = client_for(staff_a).get(url("review_queue")).content.decode()
    assert page.index(county_a_orgs[0].name) < page.index(county_a_orgs[1].name)
    assert county_a_orgs[2].name not in page
    assert "0 天" in page and "核定金额" in page  # the claim waits for its amount
    assert page.count('name="ids"') == 3


def test_approve_records_the_award(staff_a, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff_a)
    client = client_for(staff_a)
    form = client.get(url("application_approve", app.pk)).content.decode()
    assert 'name="certificate_no"' in form and 'name="registration_no"' not in form
    response = client.post(
        url("application_approve", app.pk), {"decided_on": "2025-12-08", "from": "recommended"}
    )
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.RECOMMENDED
    response = client.post(
        url("application_approve", app.pk),
        {"decided_on": "2025-12-08", "certificate_no": "GR202533009999", "document": "国科火字〔2025〕1号",
         "from": "recommended"},
    )  # fmt: skip
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.award.valid_until == dt.date(2028, 12, 7)
    again = client.post(
        url("application_approve", app.pk),
        {"decided_on": "2025-12-08", "certificate_no": "GR2", "from": "recommended"},
        follow=True,
    )
    assert any("该申报已由他人处理" in m for m in messages_of(again))


def test_decide_with_an_override_needs_a_reason_and_is_audited(staff_a, checked_claim):
    client = client_for(staff_a)
    response = client.post(
        url("application_decide", checked_claim.pk),
        {"amount": "150000", "reason": "", "decided_on": today().isoformat(), "from": "checked"},
    )
    assert response.status_code == 200
    assert "须填写调整理由" in response.content.decode()
    checked_claim.refresh_from_db()
    assert checked_claim.status == Status.CHECKED
    assert not AuditEvent.objects.filter(action="amount_override").exists()

    response = client.post(
        url("application_decide", checked_claim.pk),
        {"amount": "150000", "reason": "企业当年亩均效益评价为C类，按政策减半奖励", "decided_on": today().isoformat(),
         "from": "checked"},
    )  # fmt: skip
    assert response.status_code == 302
    checked_claim.refresh_from_db()
    assert checked_claim.status == Status.DECIDED and checked_claim.decided_amount == Decimal("150000")
    event = AuditEvent.objects.get(action="amount_override")
    assert event.username == "staff_a" and "亩均" in event.detail


# --- reviews and attachments ------------------------------------------------------------------------------


def test_staff_adds_a_review(staff_a, org_x, hte_call):
    app = submitted(staff_a, hte_call, org_x)
    client = client_for(staff_a)
    client.post(url("review_add", app.pk), {"opinion": "材料齐全，研发费用占比符合要求。", "score": "88.5"})
    response = client.post(url("review_add", app.pk), {"opinion": "", "score": "120"}, follow=True)
    assert any("审核意见未保存" in m for m in messages_of(response))
    page = response.content.decode()
    assert "材料齐全" in page and "88.5 分" in page
    assert app.reviews.count() == 1


def test_attachment_upload_refuses_wrong_types_with_a_chinese_message(
    settings, tmp_path, enterprise_x, org_x, claim_call
):
    settings.MEDIA_ROOT = tmp_path
    app = services.application_create(by=enterprise_x, data={"call": claim_call, "organisation": org_x})
    client = client_for(enterprise_x)
    target = url("attachment_upload", app.pk)
    response = client.post(target, {"file": SimpleUploadedFile("安装程序.exe", b"MZ\x90\x00")}, follow=True)
    assert any("不支持的附件类型“exe”" in m for m in messages_of(response))
    response = client.post(
        target, {"file": SimpleUploadedFile("审计报告.pdf", b"MZ\x90\x00not a pdf")}, follow=True
    )
    assert any("内容与扩展名不符" in m for m in messages_of(response))
    response = client.post(target, {}, follow=True)
    assert any("请选择要上传的文件" in m for m in messages_of(response))
    assert not Attachment.objects.exists()
    assert not list(tmp_path.rglob("*.*"))  # nothing refused was kept on disk


def test_attachment_upload_accepts_a_pdf_served_only_to_those_who_may_see(
    settings, tmp_path, staff_b, enterprise_x, org_x, claim_call
):
    settings.MEDIA_ROOT = tmp_path
    app = services.application_create(by=enterprise_x, data={"call": claim_call, "organisation": org_x})
    client = client_for(enterprise_x)
    name = "2025年度财务审计报告.pdf"
    response = client.post(
        url("attachment_upload", app.pk),
        {"file": SimpleUploadedFile(name, PDF, content_type="application/pdf")},
        follow=True,
    )
    assert any(f"已上传附件：{name}" in m for m in messages_of(response))
    attachment = Attachment.objects.get()
    assert name in response.content.decode()

    download = client.get(url("attachment_download", attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    assert client_for(staff_b).get(url("attachment_download", attachment.pk)).status_code == 404
    assert client.get(url("attachment_download", attachment.pk + 999)).status_code == 404


def test_delete_only_a_draft(staff_a, org_x, hte_call):
    client = client_for(staff_a)
    draft = services.application_create(by=staff_a, data={"call": hte_call, "organisation": org_x})
    sent = submitted(staff_a, hte_call, OrganisationFactory(name="开化县另一企业", region=org_x.region))
    response = client.post(url("application_delete", sent.pk), follow=True)
    assert any("只有草稿可以删除" in m for m in messages_of(response))
    assert client.post(url("application_delete", draft.pk)).status_code == 302
    assert list(Application.objects.values_list("pk", flat=True)) == [sent.pk]


def test_the_list_exports_what_it_shows(staff_a, county_a, hte_call):
    """The 导出 Excel button carries the list's filters: only the filtered applications are exported."""
    import io

    import openpyxl

    kept = OrganisationFactory(name="开化县导出保留有限公司", region=county_a)
    dropped = OrganisationFactory(name="开化县导出排除有限公司", region=county_a)
    submitted(staff_a, hte_call, kept)
    services.application_create(by=staff_a, data={"call": hte_call, "organisation": dropped})  # a draft
    client = client_for(staff_a)
    page = client.get(url("application_list"), {"status": "submitted"}).content.decode()
    href = "/data/applications/export/?status=submitted"
    assert href in page
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(href).content)).worksheets[0]
    names = {str(v) for row in sheet.iter_rows(min_row=2, values_only=True) for v in row if v}
    assert "开化县导出保留有限公司" in " ".join(names) and "开化县导出排除有限公司" not in " ".join(names)


def test_a_withdrawn_application_takes_no_more_attachments(
    settings, tmp_path, enterprise_x, org_x, claim_call
):
    settings.MEDIA_ROOT = tmp_path
    app = services.application_create(by=enterprise_x, data={"call": claim_call, "organisation": org_x})
    services.application_transition(application=app, to=Status.SUBMITTED, by=enterprise_x)
    services.application_transition(application=app, to=Status.WITHDRAWN, by=enterprise_x, comment="明年再报")
    response = client_for(enterprise_x).post(
        url("attachment_upload", app.pk),
        {"file": SimpleUploadedFile("补充材料.pdf", b"%PDF-1.4 x")},
        follow=True,
    )
    assert any("申报已撤回，不能再上传附件" in m for m in messages_of(response))
    assert not Attachment.objects.exists()
