"""The statistical-returns pages: the overview with its counts, a round's filings and bulk "已报送", the
"未报送" exports, opening a round with its computed due date, and who sees what (county A's staff and
leader, county B's staff, an enterprise of county A)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from kechuang.core.models import AuditEvent
from kechuang.rnd import selectors_returns, services
from kechuang.rnd.models import Frequency, ReturnFiling, ReturnRound, ReturnType
from tests.conftest import client_for
from tests.factories import OrganisationFactory

from .test_returns import return_type

D = dt.date
S = ReturnFiling.Status
R = ReturnType.Obligation
TODAY = D(2025, 10, 24)  # a Friday, three days after the Q3 round below fell due (21 Oct)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The pages count working days from "today": fix it, so no test depends on the wall clock."""
    monkeypatch.setattr(selectors_returns, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def orgs(county_a, org_x):
    org_x.contact_name, org_x.contact_phone = "张立", "0570-6671484"
    org_x.save()
    return {
        "x": org_x,
        "p": OrganisationFactory(
            name="开化县丙机械有限公司", region=county_a, contact_name="王敏", contact_phone="13905700001"
        ),  # fmt: skip
        "q": OrganisationFactory(
            name="开化县丁茶业有限公司", region=county_a, contact_name="李华", contact_phone="13905700002"
        ),  # fmt: skip
        "r": OrganisationFactory(
            name="开化县戊电子有限公司",
            region=county_a,
            contact_name="赵强",
            contact_phone='=HYPERLINK("x")',  # within the column's 20 characters
        ),  # fmt: skip
    }


@pytest.fixture
def q3(staff_a, county_a, orgs):
    """高企统计季报 2025 Q3, owed by four enterprises, due 21 Oct 2025: one submitted, one exempt, two pending."""
    rt = return_type(staff_a, county_a, obligation=R.LISTED, listed=list(orgs.values()))
    rnd = services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3)
    f = {k: rnd.filings.get(organisation=o) for k, o in orgs.items()}
    services.filing_update(by=staff_a, filing=f["p"], status=S.SUBMITTED, submitted_on=D(2025, 10, 15))
    services.filing_update(by=staff_a, filing=f["q"], status=S.EXEMPT, note="已迁出本县")
    return rnd


@pytest.fixture
def round_b(staff_b, county_b, org_y):
    rt = return_type(staff_b, county_b, name="常山县高企季报", obligation=R.LISTED, listed=[org_y])
    return services.return_round_open(by=staff_b, return_type=rt, year=2025, number=3)


def pending_names(rnd: ReturnRound) -> list[str]:
    return sorted(rnd.filings.filter(status=S.PENDING).values_list("organisation__name", flat=True))


# --- the overview -------------------------------------------------------------------------------------------


def test_the_overview_shows_each_rounds_counts_and_deadline(staff_a, leader_a, q3, round_b):
    for user in (staff_a, leader_a):
        response = client_for(user).get(reverse("rnd:return_list"))
        assert response.status_code == 200
        (group,) = response.context["groups"]  # county B's return type is not listed
        (rnd,) = group["rounds"]
        assert (rnd.owed, rnd.submitted, rnd.exempt, rnd.pending) == (4, 1, 1, 2)
        assert rnd.done_pct == 50
        html = response.content.decode()
        assert "高企统计季报" in html and "常山县高企季报" not in html
        assert "2025年10月21日" in html and "星期二" in html and "已逾期3天" in html
    # staff may edit and open rounds; the leader only reads
    assert "开启报送期" in client_for(staff_a).get(reverse("rnd:return_list")).content.decode()
    assert "开启报送期" not in client_for(leader_a).get(reverse("rnd:return_list")).content.decode()


def test_the_overview_counts_working_days_left_across_the_holiday(staff_a, county_a, orgs, monkeypatch):
    # On Tuesday 30 Sep 2025 a round due Tuesday 21 Oct has 10 working days left (1–8 Oct are off and
    # Saturday 11 Oct is a make-up workday): see test_returns for the count.
    monkeypatch.setattr(selectors_returns, "today", lambda: D(2025, 9, 30))
    rt = return_type(staff_a, county_a, obligation=R.LISTED, listed=[orgs["x"]])
    services.return_round_open(by=staff_a, return_type=rt, year=2025, number=3)
    html = client_for(staff_a).get(reverse("rnd:return_list")).content.decode()
    assert "还剩10个工作日" in html


def test_the_overview_filters_by_year_type_and_open(staff_a, county_a, q3, orgs):
    done = return_type(staff_a, county_a, name="火炬统计年报", frequency=Frequency.YEAR, obligation=R.BUREAU)
    annual = services.return_round_open(by=staff_a, return_type=done, year=2024)
    services.filings_mark_submitted(
        by=staff_a, filings=list(annual.filings.all()), submitted_on=D(2025, 3, 1)
    )
    client = client_for(staff_a)

    def shown(**params):
        response = client.get(reverse("rnd:return_list"), params)
        return sorted(str(r) for g in response.context["groups"] for r in g["rounds"])

    assert shown() == ["火炬统计年报（2024年度）", "高企统计季报（2025年第3季度）"]
    assert shown(year=2024) == ["火炬统计年报（2024年度）"]
    assert shown(type=done.pk) == ["火炬统计年报（2024年度）"]
    assert shown(open=1) == ["高企统计季报（2025年第3季度）"]
    # htmx gets the results block only
    partial = client.get(reverse("rnd:return_list"), {"open": 1}, headers={"HX-Request": "true"})
    assert b'id="results"' in partial.content and b"<html" not in partial.content


def test_the_overview_stays_within_its_query_budget(staff_a, county_a, q3, django_assert_max_num_queries):
    client = client_for(staff_a)
    client.get(reverse("rnd:return_list"))  # warm the session and the content types
    for n in range(5):
        rt = return_type(
            staff_a, county_a, name=f"测试月报{n}", frequency=Frequency.MONTH, obligation=R.BUREAU
        )
        for month in (1, 2, 3):
            services.return_round_open(by=staff_a, return_type=rt, year=2025, number=month)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("rnd:return_list"))
    assert sum(len(g["rounds"]) for g in response.context["groups"]) == 16


# --- who sees what ------------------------------------------------------------------------------------------


def test_county_b_staff_cannot_reach_county_a_rounds(staff_b, q3, round_b):
    client = client_for(staff_b)
    filing = q3.filings.filter(status=S.PENDING).first()
    for url in (
        reverse("rnd:round_detail", args=[q3.pk]),
        reverse("rnd:round_owing_export", args=[q3.pk]),
        reverse("rnd:return_type_edit", args=[q3.return_type_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("rnd:round_mark_submitted", args=[q3.pk]), {"ids": [filing.pk],
                       "submitted_on": "2025-10-20"}).status_code == 404  # fmt: skip
    assert (
        client.post(reverse("rnd:filing_update", args=[filing.pk]), {"status": "submitted"}).status_code
        == 404
    )
    assert pending_names(q3) == sorted(["开化县甲科技有限公司", "开化县戊电子有限公司"])
    assert AuditEvent.objects.filter(
        user=staff_b, action="permission_denied", object_type="rnd.returnround", object_id=str(q3.pk)
    ).exists()
    # their own overview and owing list hold only 常山县
    html = client.get(reverse("rnd:return_list")).content.decode()
    assert "常山县高企季报" in html and "开化县" not in html
    owing = client.get(reverse("rnd:owing")).content.decode()
    assert "常山县乙材料有限公司" in owing and "开化县甲科技有限公司" not in owing


def test_an_enterprise_sees_only_its_own_filings(enterprise_x, org_x, q3):
    client = client_for(enterprise_x)
    response = client.get(reverse("rnd:return_list"))
    assert response.status_code == 200
    assert [f.organisation for f in response.context["pending"]] == [org_x]
    html = response.content.decode()
    assert "高企统计季报" in html and "已逾期3天" in html
    for other in ("开化县丙机械有限公司", "开化县丁茶业有限公司", "开化县戊电子有限公司"):
        assert other not in html
    # the round page shows its own row only, and no counts of others
    detail = client.get(reverse("rnd:round_detail", args=[q3.pk]))
    assert [f.organisation for f in detail.context["filings"]] == [org_x]
    assert "开化县丙机械有限公司" not in detail.content.decode()
    # no lists of who owes, no exports
    assert client.get(reverse("rnd:owing")).status_code == 403
    assert client.get(reverse("rnd:round_owing_export", args=[q3.pk])).status_code == 403
    other = q3.filings.exclude(organisation=org_x).filter(status=S.PENDING).get()
    assert (
        client.post(reverse("rnd:filing_update", args=[other.pk]), {"status": "submitted"}).status_code == 404
    )


def test_an_enterprise_marks_its_own_filing_submitted_but_cannot_exempt_it(enterprise_x, org_x, q3):
    client = client_for(enterprise_x)
    own = q3.filings.get(organisation=org_x)
    url = reverse("rnd:filing_update", args=[own.pk])
    assert client.post(url, {"status": "exempt", "note": "不想报"}).status_code == 403
    own.refresh_from_db()
    assert own.status == S.PENDING
    assert AuditEvent.objects.filter(
        user=enterprise_x, action="permission_denied", object_id=str(own.pk)
    ).exists()

    # the enterprise's own mark is dated today (24 Oct); an earlier or later date is refused
    for day in ("2025-10-23", "2025-10-25"):
        client.post(url, {"status": "submitted", "submitted_on": day})
        own.refresh_from_db()
        assert own.status == S.PENDING
    response = client.post(
        url, {"status": "submitted", "submitted_on": "2025-10-24", "next": "/rnd/returns/"}
    )
    assert response.status_code == 302 and response["Location"] == "/rnd/returns/"
    own.refresh_from_db()
    assert (own.status, own.submitted_on, own.updated_by) == (S.SUBMITTED, TODAY, enterprise_x)
    # the round fell due on 21 Oct: taking the mark back is the bureau's to do now
    refused = client.post(url, {"status": "pending"}, follow=True)
    assert "已过截止日期（2025年10月21日），不能撤回" in refused.content.decode()
    own.refresh_from_db()
    assert own.status == S.SUBMITTED


# --- recording filings --------------------------------------------------------------------------------------


def test_bulk_mark_submitted_records_each_filing_with_an_audit_event(staff_a, leader_a, q3):
    pending = list(q3.filings.filter(status=S.PENDING).order_by("pk"))
    url = reverse("rnd:round_mark_submitted", args=[q3.pk])
    # the leader reads but does not record
    assert (
        client_for(leader_a).post(url, {"ids": [pending[0].pk], "submitted_on": "2025-10-22"}).status_code
        == 403
    )
    before = AuditEvent.objects.filter(object_type="rnd.returnfiling", action="update").count()
    response = client_for(staff_a).post(url, {"ids": [f.pk for f in pending], "submitted_on": "2025-10-22"})
    assert response.status_code == 302
    assert pending_names(q3) == []
    assert set(q3.filings.filter(pk__in=[f.pk for f in pending]).values_list("status", "submitted_on")) == {
        (S.SUBMITTED, D(2025, 10, 22))
    }
    events = AuditEvent.objects.filter(object_type="rnd.returnfiling", action="update", user=staff_a)
    assert events.count() - before == 2
    assert {e.object_id for e in events.order_by("-pk")[:2]} == {str(f.pk) for f in pending}
    page = client_for(staff_a).get(reverse("rnd:round_detail", args=[q3.pk]))
    assert page.context["round"].pending == 0


def test_bulk_mark_refuses_a_filing_of_another_round(staff_a, q3, county_a, orgs):
    rt = return_type(staff_a, county_a, name="科普统计", frequency=Frequency.YEAR, obligation=R.BUREAU)
    other = services.return_round_open(by=staff_a, return_type=rt, year=2024).filings.get()
    response = client_for(staff_a).post(
        reverse("rnd:round_mark_submitted", args=[q3.pk]), {"ids": [other.pk], "submitted_on": "2025-10-22"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == S.PENDING


def test_staff_exempt_a_filing_only_with_a_reason(staff_a, q3, orgs):
    filing = q3.filings.get(organisation=orgs["r"])
    url = reverse("rnd:filing_update", args=[filing.pk])
    client = client_for(staff_a)
    response = client.post(url, {"status": "exempt", "note": " "}, follow=True)
    assert "免报须在备注中注明原因" in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == S.PENDING
    client.post(url, {"status": "exempt", "note": "本季度停产"})
    filing.refresh_from_db()
    assert (filing.status, filing.note) == (S.EXEMPT, "本季度停产")
    client.post(url, {"status": "pending", "note": ""})
    filing.refresh_from_db()
    assert (filing.status, filing.note) == (S.PENDING, "")


# --- the "未报送" lists -------------------------------------------------------------------------------------


def read_xlsx(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_the_owing_export_lists_exactly_the_pending_filings_with_their_contacts(staff_a, q3, orgs):
    response = client_for(staff_a).get(reverse("rnd:round_owing_export", args=[q3.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = read_xlsx(response)
    assert header[:3] == ("报表", "报告期", "截止日期") and "联系电话" in header
    pending = list(q3.filings.filter(status=S.PENDING).select_related("organisation"))
    col = header.index
    assert sorted((r[col("报送单位")], r[col("统一社会信用代码")], r[col("联系人")]) for r in rows) == sorted(
        (f.organisation.name, f.organisation.credit_code, f.organisation.contact_name) for f in pending
    )
    by_name = {r[col("报送单位")]: r for r in rows}
    assert by_name["开化县甲科技有限公司"][col("联系电话")] == "0570-6671484"
    assert by_name["开化县甲科技有限公司"][col("逾期天数")] == 3
    assert by_name["开化县甲科技有限公司"][col("截止日期")] == dt.datetime(2025, 10, 21)
    # a formula-looking phone is written as inert text
    assert by_name["开化县戊电子有限公司"][col("联系电话")].startswith("'=")
    assert AuditEvent.objects.filter(action="export", user=staff_a, object_type="rnd.returnfiling").exists()


def test_the_owing_page_lists_overdue_filings_across_rounds(staff_a, county_a, q3, orgs, monkeypatch):
    rt = return_type(staff_a, county_a, name="火炬统计年报", frequency=Frequency.YEAR, obligation=R.BUREAU,
                     due_workdays=60)  # fmt: skip
    later = services.return_round_open(by=staff_a, return_type=rt, year=2025)  # due in 2026: not overdue yet
    client = client_for(staff_a)
    response = client.get(reverse("rnd:owing"))
    assert sorted(f.filer_name for f in response.context["rows"]) == pending_names(q3)
    every = client.get(reverse("rnd:owing"), {"all": 1})
    assert {f.round_id for f in every.context["rows"]} == {q3.pk, later.pk}
    header, *rows = read_xlsx(client.get(reverse("rnd:owing"), {"export": "xlsx"}))
    assert sorted(r[header.index("报送单位")] for r in rows) == pending_names(q3)


# --- return types and opening a round -----------------------------------------------------------------------


def test_a_listed_return_type_needs_organisations_of_the_county(staff_a, county_a, org_x, org_y):
    client = client_for(staff_a)
    url = reverse("rnd:return_type_create")
    data = {"county": county_a.pk, "name": "科普统计", "frequency": "year", "obligation": "listed",
            "due_workdays": 45, "issuer": "省科技厅", "is_active": "on"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert "请至少选择一家单位" in response.content.decode()
    assert org_y not in response.context["form"].fields["listed"].queryset
    response = client.post(url, {**data, "listed": [org_y.pk]})
    assert response.status_code == 200 and not ReturnType.objects.exists()
    response = client.post(url, {**data, "listed": [org_x.pk]})
    assert response.status_code == 302
    rt = ReturnType.objects.get()
    assert list(rt.listed.all()) == [org_x] and rt.county == county_a
    # another rule drops the list; the same name twice is refused
    edit = reverse("rnd:return_type_edit", args=[rt.pk])
    client.post(edit, {**data, "obligation": "bureau", "listed": [org_x.pk]})
    rt.refresh_from_db()
    assert rt.obligation == "bureau" and not rt.listed.exists()
    again = client.post(url, {**data, "obligation": "bureau"})
    assert "本县已有名为“科普统计”的报表" in again.content.decode()


def test_only_staff_keep_return_types(leader_a, enterprise_x):
    for user in (leader_a, enterprise_x):
        assert client_for(user).get(reverse("rnd:return_type_create")).status_code == 403
        assert client_for(user).get(reverse("rnd:round_open")).status_code == 403


def test_opening_a_round_previews_the_due_date_then_opens_it(staff_a, county_a, orgs):
    rt = return_type(staff_a, county_a, obligation=R.LISTED, listed=[orgs["x"], orgs["p"]])
    client = client_for(staff_a)
    url = reverse("rnd:round_open")
    # choosing the type (htmx) proposes the quarter that has just ended (Q3 on 24 Oct 2025)
    preview = client.get(url, {"return_type": rt.pk, "changed": "type", "year": "", "number": ""},
                         headers={"HX-Request": "true"})  # fmt: skip
    html = preview.content.decode()
    assert b"<html" not in preview.content
    assert "2025年第3季度" in html and "2025年10月21日（星期二）" in html and "2 家单位" in html
    assert not ReturnRound.objects.exists()
    # a bad period number is explained
    bad = client.post(url, {"return_type": rt.pk, "year": 2025, "number": 5})
    assert "季报的期别为第 1–4 季度" in bad.content.decode()
    # an override before the period ends is refused
    early = client.post(url, {"return_type": rt.pk, "year": 2025, "number": 3, "due_on": "2025-09-01"})
    assert "截止日期须晚于报告期末" in early.content.decode()
    # confirming opens it
    response = client.post(url, {"return_type": rt.pk, "year": 2025, "number": 3, "confirm": "1"})
    rnd = ReturnRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rnd:round_detail", args=[rnd.pk])
    assert rnd.due_on == D(2025, 10, 21) and rnd.filings.count() == 2
    # twice is refused with a clear message
    again = client.post(url, {"return_type": rt.pk, "year": 2025, "number": 3, "confirm": "1"})
    assert "已经开启，不能重复开启" in again.content.decode()
    assert ReturnRound.objects.count() == 1
    # once Q3 is open, choosing the type proposes Q4
    preview = client.get(url, {"return_type": rt.pk, "changed": "type"}, headers={"HX-Request": "true"})
    assert "2025年第4季度" in preview.content.decode()


def test_an_override_due_date_is_used(staff_a, county_a, orgs):
    rt = return_type(staff_a, county_a, obligation=R.LISTED, listed=[orgs["x"]])
    client_for(staff_a).post(
        reverse("rnd:round_open"),
        {"return_type": rt.pk, "year": 2025, "number": 3, "due_on": "2025-10-31", "confirm": "1"},
    )
    assert ReturnRound.objects.get().due_on == D(2025, 10, 31)


# --- links and home panels ----------------------------------------------------------------------------------


def test_the_home_page_shows_rounds_due_soon_to_staff_and_outstanding_filings_to_enterprises(
    staff_a, enterprise_x, county_a, q3, orgs
):
    # a round due on Thursday 6 Nov 2025 (9 working days after 24 Oct) and one due much later
    soon = return_type(
        staff_a, county_a, name="财政科技支出调查", frequency=Frequency.YEAR, obligation=R.BUREAU
    )
    services.return_round_open(by=staff_a, return_type=soon, year=2024, due_on=D(2025, 11, 6))
    far = return_type(staff_a, county_a, name="火炬统计年报", frequency=Frequency.YEAR, obligation=R.BUREAU)
    services.return_round_open(by=staff_a, return_type=far, year=2024, due_on=D(2025, 12, 31))
    html = client_for(staff_a).get(reverse("home")).content.decode()
    assert "财政科技支出调查 · 2024年度" in html and "还剩9个工作日" in html
    assert "高企统计季报 · 2025年第3季度" in html and "已逾期3天" in html
    assert "火炬统计年报 · 2024年度" not in html

    ent = client_for(enterprise_x).get(reverse("home")).content.decode()
    assert "待报送的统计报表" in ent and "高企统计季报 · 2025年第3季度" in ent
    assert "财政科技支出调查" not in ent

    stream = client_for(staff_a).get(reverse("stream", args=["rnd"])).content.decode()
    assert reverse("rnd:return_list") in stream and reverse("rnd:owing") in stream
    assert (
        reverse("rnd:owing")
        not in client_for(enterprise_x).get(reverse("stream", args=["rnd"])).content.decode()
    )
