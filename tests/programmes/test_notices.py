"""Public notices (公示): publishing through the page, the period in working days, the printable page, the
Word and Excel files, objections and their effect on payment, and county isolation."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from python_calamine import CalamineWorkbook

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Objection, PublicNotice, Status
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .fixtures import TODAY, at, make_call

PAY_DAY = dt.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _story_clock(clock):
    """The claims are filed and decided on TODAY; each notice is published, and each payment made, on its
    own day (the services' clock, see fixtures.Clock)."""
    clock.set(TODAY)


@pytest.fixture
def hte_call(staff_a, hte):
    return make_call(staff_a, hte, year=2025)


@pytest.fixture
def claim_call(staff_a, incentive):
    return make_call(staff_a, incentive)


def high_tech(staff, org, hte_call):
    """org became a high-tech enterprise in 2025 (what the policy rewards)."""
    app = services.application_create(by=staff, data={"call": hte_call, "organisation": org})
    services.application_transition(application=app, to=Status.SUBMITTED, by=staff)
    services.application_transition(application=app, to=Status.RECOMMENDED, by=staff)
    return services.application_approve(
        by=staff,
        application=app,
        data={"decided_on": dt.date(2025, 12, 8), "certificate_no": f"GR2025{org.pk:06d}"},
    )


def checked_claim(staff, org, hte_call, claim_call):
    high_tech(staff, org, hte_call)
    claim = services.application_create(by=staff, data={"call": claim_call, "organisation": org})
    services.application_transition(application=claim, to=Status.SUBMITTED, by=staff, today=TODAY)
    services.application_transition(application=claim, to=Status.CHECKED, by=staff)
    return claim


def decided_claim(staff, org, hte_call, claim_call):
    claim = checked_claim(staff, org, hte_call, claim_call)
    services.claim_decide(by=staff, application=claim)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def claim_x(staff_a, org_x, hte_call, claim_call):
    return decided_claim(staff_a, org_x, hte_call, claim_call)


@pytest.fixture
def org_z(county_a):
    # A name that a spreadsheet would take for a formula.
    return OrganisationFactory(name='=HYPERLINK("http://x")丙公司', region=county_a)


def publish(staff, applications, *, published_on=dt.date(2026, 5, 6), days=5, purpose="payment"):
    with at(published_on):
        return _publish(staff, applications, published_on=published_on, days=days, purpose=purpose)


def _publish(staff, applications, *, published_on, days, purpose):
    return services.notice_publish(
        by=staff,
        data={"county": applications[0].county, "title": "2026年度科技创新政策奖励兑现名单公示", "purpose": purpose,
              "body": "根据《开化县关于加快科技创新的若干政策意见》，现将奖励名单予以公示。",
              "published_on": published_on, "working_days": days, "contact": "县经信科技局科技管理科 0570-6012345"},
        applications=applications,
    )  # fmt: skip


def post_notice(client, applications, **extra):
    data = {
        "county": "330824", "purpose": "payment", "title": "2026年度科技创新政策奖励兑现名单公示",
        "body": "经企业申报、县经信科技局审核，现将名单予以公示。", "published_on": "2026-05-06",
        "working_days": "5", "contact": "0570-6012345", "applications": [a.pk for a in applications], **extra,
    }  # fmt: skip
    with at(dt.date.fromisoformat(data["published_on"])):
        return client.post(reverse("programmes:notice_create"), data)


# --- publishing ---------------------------------------------------------------------------------------------


def test_period_counts_working_days_across_national_day(staff_a, claim_x):
    # holidays.China(years=2026): National Day 10-01..10-03, 10-05 (observed), 10-06 and 10-07 (days off
    # swapped for the make-up workdays Sunday 09-20 and Saturday 10-10). Published Wednesday 09-30:
    # day 1 = 09-30; 10-01..10-07 are all off (10-04 a Sunday); day 2 = Thu 10-08, day 3 = Fri 10-09,
    # day 4 = Sat 10-10 (make-up workday), Sunday 10-11 off, day 5 = Mon 10-12.
    response = post_notice(client_for(staff_a), [claim_x], published_on="2026-09-30")
    notice = PublicNotice.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("programmes:notice_detail", args=[notice.pk])
    assert notice.ends_on == dt.date(2026, 10, 12)
    page = client_for(staff_a).get(response.url).content.decode()
    assert "公示期：2026年9月30日至2026年10月12日（5个工作日）" in page
    assert AuditEvent.objects.filter(action="create", object_type="programmes.publicnotice").count() == 1


def test_notice_page_is_the_printable_notice(staff_a, claim_x):
    notice = publish(staff_a, [claim_x])
    page = client_for(staff_a).get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
    assert notice.title in page
    assert "现将奖励名单予以公示" in page
    for header in ("<th>序号</th>", "<th>单位（人）</th>", "<th>项目</th>", "<th>金额（万元）</th>"):
        assert header in page
    assert "开化县甲科技有限公司" in page
    assert "首次认定高新技术企业" in page  # the rule the claim invokes
    assert '<td class="num">20</td>' in page  # 200,000 元 = 20 万元
    assert "公示期：2026年5月6日至2026年5月11日（5个工作日）" in page
    assert "0570-6012345" in page
    assert "开化县经信科技局<br>2026年5月6日" in page


def test_create_page_lists_what_each_purpose_may_publicise(staff_a, org_x, claim_x, hte, county_a):
    other = OrganisationFactory(name="开化县丁电子有限公司", region=county_a)
    call = make_call(staff_a, hte)
    submitted = services.application_create(by=staff_a, data={"call": call, "organisation": other})
    services.application_transition(application=submitted, to=Status.SUBMITTED, by=staff_a)
    client = client_for(staff_a)

    payment = client.get(reverse("programmes:notice_create") + "?purpose=payment").content.decode()
    assert f'name="applications" value="{claim_x.pk}"' in payment
    assert f'name="applications" value="{submitted.pk}"' not in payment
    assert "关于科技创新政策奖励资金兑现名单的公示" in payment  # the draft title, for staff to edit

    recommendation = client.get(
        reverse("programmes:notice_create") + f"?purpose=recommendation&call={call.pk}"
    ).content.decode()
    assert f'name="applications" value="{submitted.pk}"' in recommendation
    assert f'name="applications" value="{claim_x.pk}"' not in recommendation
    assert "关于国家高新技术企业认定拟推荐名单的公示" in recommendation


def test_publish_refused_for_applications_in_the_wrong_state(staff_a, org_x, hte_call, claim_call):
    claim = checked_claim(staff_a, org_x, hte_call, claim_call)  # checked, amount not yet decided
    response = post_notice(client_for(staff_a), [claim])
    assert response.status_code == 200
    assert "以下申报不在可公示的状态或不属于本县" in response.content.decode()
    assert not PublicNotice.objects.exists()

    with pytest.raises(ValidationError, match="不在可公示的状态"):
        publish(staff_a, [claim])
    draft = services.application_create(by=staff_a, data={"call": hte_call, "organisation": org_x})
    with pytest.raises(ValidationError, match="不在可公示的状态"):
        publish(staff_a, [draft], purpose="recommendation")
    assert not PublicNotice.objects.exists()


def test_publish_needs_a_list(staff_a, claim_x):
    response = post_notice(client_for(staff_a), [])
    assert response.status_code == 200
    assert not PublicNotice.objects.exists()


def test_only_the_countys_staff_publish(staff_a, staff_b, leader_a, claim_x):
    assert client_for(leader_a).get(reverse("programmes:notice_create")).status_code == 403
    response = post_notice(client_for(staff_b), [claim_x], county="330822")
    assert response.status_code == 200  # county A's claim is no choice for county B's staff
    assert not PublicNotice.objects.exists()
    assert AuditEvent.objects.filter(action="permission_denied", user=leader_a).exists()


# --- Word and Excel -----------------------------------------------------------------------------------------


def _east_asian(run):
    return run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_word_notice(staff_a, org_z, claim_x, hte_call, claim_call):
    claim_z = decided_claim(staff_a, org_z, hte_call, claim_call)
    notice = publish(staff_a, [claim_x, claim_z])
    response = client_for(staff_a).get(reverse("programmes:notice_docx", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="export", object_type="programmes.publicnotice")
    assert event.user == staff_a and event.object_id == str(notice.pk)

    doc = Document(io.BytesIO(response.content))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    paragraphs = [p for p in doc.paragraphs if p.text]
    title = paragraphs[0]
    assert title.text == notice.title
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _east_asian(title.runs[0]) == "方正小标宋简体"
    body = paragraphs[1]
    assert body.text == "根据《开化县关于加快科技创新的若干政策意见》，现将奖励名单予以公示。"
    assert _east_asian(body.runs[0]) == "仿宋_GB2312"
    texts = [p.text for p in paragraphs]
    assert "公示期：2026年5月6日至2026年5月11日（5个工作日）" in texts
    assert any("0570-6012345" in t for t in texts)
    assert paragraphs[-2].text == "开化县经信科技局"
    assert paragraphs[-1].text == "2026年5月6日"
    assert paragraphs[-2].alignment == paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.RIGHT

    (table,) = doc.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["序号", "单位（人）", "项目", "金额（万元）"]
    assert rows[1] == ["1", "开化县甲科技有限公司", "首次认定高新技术企业", "20"]
    assert rows[2] == ["2", org_z.name, "首次认定高新技术企业", "20"]
    assert rows[3][0] == "合计（2项）" and rows[3][3] == "40"
    assert len(rows) == 4
    assert _east_asian(table.rows[1].cells[1].paragraphs[0].runs[0]) == "仿宋_GB2312"


def test_excel_notice(staff_a, org_z, claim_x, hte_call, claim_call):
    claim_z = decided_claim(staff_a, org_z, hte_call, claim_call)
    notice = publish(staff_a, [claim_x, claim_z])
    response = client_for(staff_a).get(reverse("programmes:notice_xlsx", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert AuditEvent.objects.filter(action="export", object_id=str(notice.pk), user=staff_a).exists()
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == notice.title
    assert sheet[1][0] == "公示期：2026年5月6日至2026年5月11日（5个工作日）"
    assert sheet[3] == ["序号", "单位（人）", "项目", "金额（万元）"]
    assert sheet[4][:4] == [1, "开化县甲科技有限公司", "首次认定高新技术企业", 20]
    # A cell that would start a formula is kept as text with an apostrophe in front.
    assert sheet[5][1] == "'" + org_z.name
    assert sheet[6][0] == "合计（2项）" and sheet[6][3] == 40
    flat = [str(v) for row in sheet for v in row]
    assert "开化县经信科技局" in flat and "2026年5月6日" in flat


def test_other_county_gets_404(staff_a, staff_b, enterprise_x, claim_x):
    notice = publish(staff_a, [claim_x])
    for name in ("notice_detail", "notice_docx", "notice_xlsx", "objection_create"):
        url = reverse(f"programmes:{name}", args=[notice.pk])
        assert client_for(staff_b).get(url).status_code == 404, name
    assert not AuditEvent.objects.filter(action="export").exists()
    assert AuditEvent.objects.filter(action="permission_denied", user=staff_b).count() == 4
    list_page = client_for(staff_b).get(reverse("programmes:notice_list")).content.decode()
    assert notice.title not in list_page
    assert client_for(enterprise_x).get(reverse("programmes:notice_list")).status_code == 403


def test_leader_reads_and_downloads_but_does_not_record_objections(leader_a, staff_a, claim_x):
    notice = publish(staff_a, [claim_x])
    leader = client_for(leader_a)
    page = leader.get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
    assert notice.title in page and "登记异议" not in page
    assert leader.get(reverse("programmes:notice_docx", args=[notice.pk])).status_code == 200
    assert leader.get(reverse("programmes:objection_create", args=[notice.pk])).status_code == 403


def test_list_shows_state_and_open_objections(staff_a, claim_x):
    notice = publish(staff_a, [claim_x])
    services.objection_record(
        by=staff_a, notice=notice,
        data={"application": claim_x, "received_on": dt.date(2026, 5, 7), "content": "该企业2025年并未首次认定。"},
    )  # fmt: skip
    page = client_for(staff_a).get(reverse("programmes:notice_list")).content.decode()
    assert notice.title in page
    assert "1 件待处理" in page
    partial = client_for(staff_a).get(
        reverse("programmes:notice_list"), {"q": "没有这样的"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode() and "还没有公示" in partial.content.decode()


# --- objections ---------------------------------------------------------------------------------------------


def pay(staff, claim, today=PAY_DAY):
    with at(today):
        return _pay(staff, claim, today)


def _pay(staff, claim, today):
    return services.disbursement_create(
        by=staff, award=claim.award,
        data={"amount": Decimal("200000"), "source": "county", "fiscal_year": 2026, "paid_on": today,
              "voucher_no": f"记-2026-05-{claim.pk:03d}"},
    )  # fmt: skip


def test_objection_flow_blocks_and_releases_payment(staff_a, org_x, claim_x, hte_call, claim_call, county_a):
    org_w = OrganisationFactory(name="开化县戊材料有限公司", region=county_a)
    claim_w = decided_claim(staff_a, org_w, hte_call, claim_call)
    notice = publish(staff_a, [claim_x, claim_w])
    client = client_for(staff_a)

    # Before the period ends nothing is paid.
    with pytest.raises(ValidationError, match="期满后方可拨付"):
        pay(staff_a, claim_w, today=dt.date(2026, 5, 11))

    # Two objections arrive by letter and are recorded.
    for claim, content in (
        (claim_x, "该企业高新证书为2022年取得，非首次认定。"),
        (claim_w, "该企业存在失信记录。"),
    ):
        response = client.post(
            reverse("programmes:objection_create", args=[notice.pk]),
            {"application": claim.pk, "received_on": "2026-05-08", "raised_by": "张某", "content": content},
        )
        assert response.status_code == 302
    assert Objection.objects.filter(notice=notice, upheld__isnull=True).count() == 2
    page = client.get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
    assert "该企业存在失信记录。" in page and page.count("待处理") >= 2

    # Unresolved: no payment, even after the period.
    with pytest.raises(ValidationError, match="尚未处理或成立的公示异议"):
        pay(staff_a, claim_x)

    objection_x = Objection.objects.get(application=claim_x)
    objection_w = Objection.objects.get(application=claim_w)
    # Resolving needs a written result.
    response = client.post(reverse("programmes:objection_resolve", args=[objection_x.pk]), {"upheld": "yes"})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()

    client.post(
        reverse("programmes:objection_resolve", args=[objection_x.pk]),
        {"upheld": "yes", "resolution": "经核查，该企业2022年已认定，不属首次认定，不予兑现。"},
    )
    client.post(
        reverse("programmes:objection_resolve", args=[objection_w.pk]),
        {"upheld": "no", "resolution": "经信用中国查询，无失信记录，异议不成立。"},
    )
    objection_x.refresh_from_db()
    objection_w.refresh_from_db()
    assert objection_x.upheld is True and objection_w.upheld is False
    assert objection_x.resolved_on is not None

    # Upheld: still blocked. Not upheld: paid.
    with pytest.raises(ValidationError, match="尚未处理或成立的公示异议"):
        pay(staff_a, claim_x)
    pay(staff_a, claim_w)
    claim_w.refresh_from_db()
    assert claim_w.status == Status.PAID

    page = client.get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
    assert "异议成立" in page and "异议不成立" in page and "无失信记录" in page
    audited = AuditEvent.objects.filter(object_type="programmes.objection")
    assert audited.filter(action="create").count() == 2 and audited.filter(action="update").count() == 2


def test_objections_are_the_countys_own(staff_a, staff_b, claim_x):
    notice = publish(staff_a, [claim_x])
    objection = services.objection_record(
        by=staff_a, notice=notice, data={"received_on": dt.date(2026, 5, 7), "content": "对整份名单有异议。"}
    )
    url = reverse("programmes:objection_resolve", args=[objection.pk])
    assert client_for(staff_b).get(url).status_code == 404
    response = client_for(staff_b).post(url, {"upheld": "no", "resolution": "越权处理"})
    assert response.status_code == 404
    objection.refresh_from_db()
    assert objection.upheld is None and objection.resolution == ""


def test_notice_page_query_budget(
    staff_a, org_z, claim_x, hte_call, claim_call, county_a, django_assert_max_num_queries
):
    claims = [claim_x, decided_claim(staff_a, org_z, hte_call, claim_call)]
    for i in range(3):
        org = OrganisationFactory(name=f"开化县第{i}号科技有限公司", region=county_a)
        claims.append(decided_claim(staff_a, org, hte_call, claim_call))
    notice = publish(staff_a, claims)
    client = client_for(staff_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("programmes:notice_detail", args=[notice.pk]))
    assert len(response.context["rows"]) == 5


def test_a_matching_funds_notice_lists_the_county_money(staff_a, county_a, org_x):
    """A team approved with 50万元 of county matching funds: its payment notice lists those 50万元."""
    from .test_workflow import new_application

    team = services.programme_save(
        by=staff_a,
        data={"county": county_a, "name": "省领军型创新团队", "level": "provincial", "kind": "team",
              "award_form": "project", "category": "领军型创新团队", "issuer": "浙江省科学技术厅"},
    )  # fmt: skip
    application = new_application(staff_a, team, org_x, Status.RECOMMENDED, title="电子级硅材料创新团队")
    services.application_approve(
        by=staff_a, application=application,
        data={"decided_on": dt.date(2026, 3, 1), "amount": Decimal("0"), "matching_amount": Decimal("500000")},
    )  # fmt: skip
    notice = publish(staff_a, [application])
    client = client_for(staff_a)
    page = client.get(reverse("programmes:notice_detail", args=[notice.pk])).content.decode()
    assert "电子级硅材料创新团队" in page
    table = Document(
        io.BytesIO(client.get(reverse("programmes:notice_docx", args=[notice.pk])).content)
    ).tables[0]
    assert [c.text for c in table.rows[1].cells][1:] == [org_x.name, "电子级硅材料创新团队", "50"]
