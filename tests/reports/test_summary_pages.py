"""The summary pages through the test client: create, read with every figure linked to its evidence, the
evidence and its Excel export, the editor, freezing and comparing, who may see and do what, and a query
budget that does not grow with the data. Data are built through the services (tests/reports/test_summary)."""

import html
import io
import re

import pytest
from openpyxl import load_workbook

from kechuang.core.models import AuditEvent
from kechuang.reports import summary as s
from kechuang.reports.figures import REGISTRY, Period
from kechuang.reports.models import Summary
from tests.conftest import client_for
from tests.reports.test_summary import paid_claims

HEADINGS = [
    "（一）政策激励工作", "（二）创新主体培育工作", "（三）科技计划项目工作", "（四）R&amp;D 经费投入工作",
    "（五）科技特派员工作", "（六）招才引智工作", "（七）产学研合作工作", "（八）科技宣传教育工作",
]  # fmt: skip
FIG_LINK = re.compile(
    r'<a class="fig[a-z -]*" href="(/reports/summaries/\d+/evidence/([a-z_.0-9]+)/)"[^>]*>([^<]*)<'
)


@pytest.fixture
def claims(staff_a, county_a, hte, incentive):
    """Two enterprises of county A whose 2026 claims of 20万元 were paid."""
    return paid_claims(staff_a, county_a, hte, incentive, 2)


@pytest.fixture
def summary(staff_a, county_a, claims):
    return s.summary_create(by=staff_a, county=county_a, period=Period.year_of(2026))


def body(response):
    return response.content.decode()


def test_staff_create_a_year_summary_that_renders_all_eight_sections(staff_a, county_a, claims):
    client = client_for(staff_a)
    assert client.get("/reports/summaries/new/").status_code == 200
    response = client.post(
        "/reports/summaries/new/", {"county": county_a.pk, "year": 2026, "span": "year", "title": ""}
    )
    summary = Summary.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/summaries/{summary.pk}/"
    assert (summary.period_start.isoformat(), summary.period_end.isoformat()) == ("2026-01-01", "2026-12-31")
    page = body(client.get(response["Location"]))
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in page
    assert "草稿：数字实时" in page
    # the figure is a link to its evidence, with its evidence count
    links = {key: (url, text) for url, key, text in FIG_LINK.findall(page)}
    url, text = links["policy.claims"]
    assert url == f"/reports/summaries/{summary.pk}/evidence/policy.claims/"
    assert "申报的2家企业的2个奖励项目" in text and text.endswith("兑现政策激励资金40万元")
    # sections without data say so
    assert page.count(s.NO_DATA) == 3
    for download in ("docx", "html", "md"):
        assert f'href="/reports/summaries/{summary.pk}/{download}/"' in page
    assert "/reports/summaries/" in body(client.get("/reports/summaries/"))


def test_create_a_quarter_and_a_year_to_date_summary_and_refuse_a_second_one(staff_a, county_a):
    client = client_for(staff_a)
    client.post(
        "/reports/summaries/new/", {"county": county_a.pk, "year": 2026, "span": "quarter", "quarter": 3}
    )
    client.post("/reports/summaries/new/", {"county": county_a.pk, "year": 2026, "span": "ytd", "month": 9})
    spans = sorted((x.period_start.isoformat(), x.period_end.isoformat()) for x in Summary.objects.all())
    assert spans == [("2026-01-01", "2026-09-30"), ("2026-07-01", "2026-09-30")]
    assert Summary.objects.get(period_start__month=1).title == "开化县经信科技局2026年1-9月科技工作总结"
    again = client.post(
        "/reports/summaries/new/", {"county": county_a.pk, "year": 2026, "span": "quarter", "quarter": 3}
    )
    assert again.status_code == 200 and "开化县2026年7-9月的工作总结已存在" in body(again)
    missing = client.post("/reports/summaries/new/", {"county": county_a.pk, "year": 2026, "span": "quarter"})
    assert "请选择季度" in body(missing) and Summary.objects.count() == 2


def test_every_figure_link_lists_exactly_its_evidence_records(staff_a, summary):
    client = client_for(staff_a)
    page = body(client.get(f"/reports/summaries/{summary.pk}/"))
    links = FIG_LINK.findall(page)
    assert len(links) >= 10
    checked_records = 0
    for url, key, _text in links:
        evidence = list(s.evidence_queryset(summary, key))
        listed = body(client.get(url))
        assert f"共 {len(evidence)} 条" in listed, key
        rows = re.findall(r"<tr>\s*<td class=\"num muted\">", listed)
        assert len(rows) == len(evidence), key
        for record in evidence:
            assert html.escape(str(record)) in listed, (key, record)
        checked_records += len(evidence)
    assert checked_records >= 2  # the two claims paid (policy.claims)
    # the two enterprises paid, each linked to its page
    listed = body(client.get(f"/reports/summaries/{summary.pk}/evidence/policy.claims_enterprises/"))
    orgs = s.evidence_queryset(summary, "policy.claims_enterprises")
    for org in orgs:
        assert f'href="/orgs/{org.pk}/"' in listed
    money = body(client.get(f"/reports/summaries/{summary.pk}/evidence/policy.money_paid/"))
    assert "“兑现奖励资金40万元”" in money and "20万元" in money and "/programmes/awards/" in money
    assert client.get(f"/reports/summaries/{summary.pk}/evidence/policy.nope/").status_code == 404


def test_evidence_export_has_one_row_per_record_and_is_audited(staff_a, leader_a, summary):
    url = f"/reports/summaries/{summary.pk}/evidence/policy.money_paid/?export=xlsx"
    for user in (staff_a, leader_a):
        response = client_for(user).get(url)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:2] == ("序号", "记录") and "金额（元）" in rows[0]
        assert len(rows) - 1 == s.evidence_queryset(summary, "policy.money_paid").count() == 2
        amount = rows[0].index("金额（元）")
        assert [r[amount] for r in rows[1:]] == [200000, 200000]
    events = AuditEvent.objects.filter(action="export", object_id=str(summary.pk))
    assert events.count() == 2
    assert {e.username for e in events} == {"staff_a", "leader_a"}
    assert events.first().after["figure"] == "policy.money_paid" and events.first().after["rows"] == 2


def test_edit_keeps_placeholders_and_rejects_an_unknown_one(staff_a, summary):
    client = client_for(staff_a)
    url = f"/reports/summaries/{summary.pk}/edit/"
    page = body(client.get(url))
    assert "{policy.money_paid}" in page  # the no-JS fallback: raw text in the textarea
    assert 'data-key="policy.money_paid"' in page and "reports/editor.js" in page
    sections = dict(summary.sections)
    sections["1"] = "全年狠抓政策落实，{policy.claims_enterprises}，{policy.money_paid}。"
    data = {"title": summary.title, **{f"section_{n}": t for n, t in sections.items()}}
    response = client.post(url, data)
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.sections["1"] == "全年狠抓政策落实，{policy.claims_enterprises}，{policy.money_paid}。"
    detail = body(client.get(f"/reports/summaries/{summary.pk}/"))
    assert "全年狠抓政策落实，" in detail and ">兑现政策奖励企业2家<" in detail

    data["section_3"] = "项目工作：{policy.nope}。"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "未知的数据项：policy.nope" in body(refused)
    summary.refresh_from_db()
    assert "{policy.nope}" not in summary.sections["3"]


def test_freeze_keeps_the_values_and_compare_shows_what_changed(staff_a, county_a, hte, incentive, summary):
    client = client_for(staff_a)
    response = client.post(f"/reports/summaries/{summary.pk}/freeze/")
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.is_frozen
    paid_claims(staff_a, county_a, hte, incentive, 1, start=10)  # a third claim paid after freezing

    page = body(client.get(f"/reports/summaries/{summary.pk}/"))
    assert "申报的2家企业的2个奖励项目" in page and "兑现政策激励资金40万元" in page
    assert "已定稿" in page and "staff_a" in page
    assert f"/reports/summaries/{summary.pk}/edit/" not in page
    assert f"/reports/summaries/{summary.pk}/freeze/" not in page
    assert client.get(f"/reports/summaries/{summary.pk}/edit/").status_code == 302

    compare = body(client.get(f"/reports/summaries/{summary.pk}/compare/"))
    assert "申报的2家企业的2个奖励项目" in compare and "申报的3家企业的3个奖励项目" in compare
    assert "兑现政策激励资金40万元" in compare and "兑现政策激励资金60万元" in compare

    # the evidence is the frozen records: the two paid before freezing
    listed = body(client.get(f"/reports/summaries/{summary.pk}/evidence/policy.claims_enterprises/"))
    assert "共 2 条" in listed and "开化县汇总测试010有限公司" not in listed


def test_other_county_gets_404_and_leader_reads_only(staff_b, leader_a, enterprise_x, summary):
    base = f"/reports/summaries/{summary.pk}/"
    paths = [
        "",
        "edit/",
        "compare/",
        "evidence/policy.money_paid/",
        "evidence/policy.money_paid/?export=xlsx",
    ]
    for user in (staff_b, enterprise_x):
        client = client_for(user)
        for p in paths:
            assert client.get(base + p).status_code == 404, (user, p)
        assert client.post(base + "freeze/").status_code == 404
        assert summary.title not in body(client.get("/reports/summaries/"))
    assert AuditEvent.objects.filter(action="permission_denied", object_id=str(summary.pk)).exists()

    leader = client_for(leader_a)
    page = body(leader.get(base))
    assert leader.get(base).status_code == 200 and "（一）政策激励工作" in page
    assert base + "edit/" not in page and base + "freeze/" not in page
    assert leader.get(base + "edit/").status_code == 403
    assert leader.post(base + "edit/", {"title": "x"}).status_code == 403
    assert leader.post(base + "freeze/").status_code == 403
    assert leader.get(base + "evidence/policy.money_paid/").status_code == 200
    assert leader.get("/reports/summaries/new/").status_code == 403
    summary.refresh_from_db()
    assert not summary.is_frozen


def test_detail_page_queries_do_not_grow_with_the_data(
    staff_a, county_a, hte, incentive, summary, django_assert_max_num_queries
):
    client = client_for(staff_a)
    url = f"/reports/summaries/{summary.pk}/"
    # each figure: its computation (at most two queries) and its evidence count; then session, user, roles,
    # the summary and the menu. Fixed for a given registry, whatever the number of records.
    budget = 3 * len(REGISTRY) + 10
    with django_assert_max_num_queries(budget) as small_queries:
        small = client.get(url)
    assert "申报的2家企业的2个奖励项目" in body(small)
    paid_claims(staff_a, county_a, hte, incentive, 10, start=20)
    with django_assert_max_num_queries(budget) as large_queries:
        large = client.get(url)
    assert "申报的12家企业的12个奖励项目" in body(large)
    assert len(large_queries) <= len(small_queries)
    evidence = f"/reports/summaries/{summary.pk}/evidence/policy.money_paid/"
    with django_assert_max_num_queries(20):
        assert "共 12 条" in body(client.get(evidence))
