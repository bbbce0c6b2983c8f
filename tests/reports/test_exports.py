"""The summary's exports — Word laid out per GB/T 9704-2012, standalone HTML, Markdown, JSON — and their
download views. The dataset is built through the services: county A (开化县) has one policy document of
2025 and two approved 省重点研发计划 projects, 甲 (2025-03-01, 1,000,000 元) and 乙 (2025-08-01,
3,000,000 元), so the grants figure reads "获得科技计划项目经费补助400万元，均为省级项目" with 2 records."""

import datetime as dt
import html
import io
import json
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Twips

from kechuang.core.models import AuditEvent
from kechuang.programmes import services
from kechuang.programmes.models import Status
from kechuang.reports import exports
from kechuang.reports import summary as s
from kechuang.reports.figures import Period
from tests.conftest import client_for
from tests.factories import OrganisationFactory

D = dt.date
Y2025 = Period.year_of(2025)
HEADINGS = [
    "（一）政策激励工作", "（二）创新主体培育工作", "（三）科技计划项目工作", "（四）R&D 经费投入工作",
    "（五）科技特派员工作", "（六）招才引智工作", "（七）产学研合作工作", "（八）科技宣传教育工作",
]  # fmt: skip
# What the printed files carry: the sections with data (1 and 3 here), numbered one after another; the
# others — default prose around figures without records, or the "no data yet" note — are left out.
PRINTED = ["（一）政策激励工作", "（二）科技计划项目工作"]
GRANTS = "获得科技计划项目经费补助400万元，均为省级项目"
GRANTS_AFTER = "获得科技计划项目经费补助450万元，均为省级项目"  # after a third project of 500,000 元


def build_dataset(staff, county, other_staff=None, other_county=None):
    services.policy_save(
        by=staff,
        data={"county": county, "title": "开化县科技创新券管理办法", "number": "开经信〔2025〕80号",
              "issuing_bodies": "经信科技局", "issued_on": D(2025, 9, 15), "bureau_role": "drafted"},
    )  # fmt: skip
    if other_staff is not None:
        services.policy_save(
            by=other_staff,
            data={"county": other_county, "title": "常山县科技新政", "number": "常政发〔2025〕3号",
                  "issuing_bodies": "经信科技局", "issued_on": D(2025, 9, 15), "bureau_role": "drafted"},
        )  # fmt: skip
    key_rd = services.programme_save(
        by=staff,
        data={"county": county, "name": "省重点研发计划", "level": "provincial", "kind": "project",
              "award_form": "project", "category": "省重点研发计划", "issuer": "浙江省科学技术厅"},
    )  # fmt: skip
    call = services.call_save(
        by=staff,
        data={"programme": key_rd, "year": 2025, "name": "2025年第一批", "opens_on": D(2025, 1, 10),
              "closes_on": D(2025, 2, 28)},
    )  # fmt: skip
    approve_project(staff, county, call, "开化县甲科技有限公司", "茶叶智能加工装备", D(2025, 3, 1), 1_000_000)
    approve_project(staff, county, call, "开化县乙科技有限公司", "高效节能电机研发", D(2025, 8, 1), 3_000_000)
    return call


def approve_project(staff, county, call, name, title, on, amount):
    o = OrganisationFactory(name=name, region=county)
    app = services.application_create(by=staff, data={"call": call, "organisation": o, "title": title})
    for to in (Status.SUBMITTED, Status.RECOMMENDED):
        services.application_transition(application=app, to=to, by=staff)
    services.application_approve(
        by=staff, application=app, data={"decided_on": on, "amount": Decimal(amount)}
    )


@pytest.fixture
def call_a(staff_a, staff_b, county_a, county_b):
    return build_dataset(staff_a, county_a, staff_b, county_b)


@pytest.fixture
def summary_a(call_a, staff_a, county_a):
    return s.summary_create(by=staff_a, county=county_a, period=Y2025)


# --- reading a .docx --------------------------------------------------------------------------------------


def open_docx(data):
    return Document(io.BytesIO(data))


def east_asian(run):
    r_fonts = run._element.rPr.find(qn("w:rFonts"))
    return r_fonts.get(qn("w:eastAsia")) if r_fonts is not None else None


def paragraph_with(doc, text):
    return next(p for p in doc.paragraphs if text in p.text)


def docx_text(doc):
    return "\n".join(p.text for p in doc.paragraphs)


def assert_official_layout(data):
    """The GB/T 9704-2012 page setup and fonts (tests of the views and the CLI reuse this)."""
    doc = open_docx(data)
    section = doc.sections[0]
    for length, mm in (
        (section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
        (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26),
    ):  # fmt: skip
        assert abs(length.mm - mm) < 0.5, (length.mm, mm)

    grid = section._sectPr.find(qn("w:docGrid"))
    # 225 mm of text height / 22 lines = 579 twips, a grid of lines (a character grid is drawn two cells a
    # character by LibreOffice); 28 characters of 16 pt set 0.25 pt closer fit the 156 mm line
    assert grid.get(qn("w:type")) == "lines"
    assert grid.get(qn("w:linePitch")) == "579"
    defaults = doc.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    spacing = int(defaults.find(qn("w:spacing")).get(qn("w:val")))
    assert spacing == -5
    width_pt = Length(section.page_width - section.left_margin - section.right_margin).pt
    assert 28 * (16 + spacing / 20) <= width_pt < 29 * (16 + spacing / 20)
    assert Length(section.page_height - section.top_margin - section.bottom_margin).twips >= 22 * 579

    title = doc.paragraphs[0]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    (run,) = title.runs
    assert (east_asian(run), run.font.size.pt) == ("方正小标宋简体", 22)

    text = docx_text(doc)
    for heading in PRINTED:  # level-2 headings "（一）" in 楷体 (GB/T 9704 7.3.3)
        heading_paragraph = next(p for p in doc.paragraphs if p.text == heading)
        assert {(east_asian(r), r.font.size.pt) for r in heading_paragraph.runs} == {("楷体_GB2312", 16)}
        assert heading in text
    for level1 in (p for p in doc.paragraphs if re.match("[一二三]、", p.text)):
        assert {(east_asian(r), r.font.size.pt) for r in level1.runs} == {("黑体", 16)}

    # Every run names its East Asian font and Times New Roman for digits, in the body and the footers.
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [r for f in (section.footer, section.even_page_footer) for p in f.paragraphs for r in p.runs]
    for run in runs:
        r_fonts = run._element.rPr.find(qn("w:rFonts"))
        assert r_fonts.get(qn("w:eastAsia")), run.text
        assert r_fonts.get(qn("w:ascii")) == r_fonts.get(qn("w:hAnsi")) == "Times New Roman"

    # Page numbers: "— 1 —" from a PAGE field in 4号 (14 pt), odd pages right, even pages left.
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        (paragraph,) = footer.paragraphs
        assert paragraph.alignment == align
        xml = paragraph._p.xml
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert [t.text.strip() for t in paragraph._p.iter(qn("w:instrText"))] == ["PAGE"]
        assert {r.font.size.pt for r in paragraph.runs} == {14}
        assert paragraph.text == "— 1 —"
    return doc


def assert_body_paragraph(doc, text):
    """A body paragraph: 仿宋_GB2312 三号 (a leading 一是… in 楷体_GB2312), exact 579-twip lines, indented
    two characters."""
    paragraph = paragraph_with(doc, text)
    fonts = [(east_asian(r), r.font.size.pt) for r in paragraph.runs]
    assert fonts[-1] == ("仿宋_GB2312", 16)
    assert set(fonts) <= {("仿宋_GB2312", 16), ("楷体_GB2312", 16)}
    fmt = paragraph.paragraph_format
    assert (fmt.line_spacing_rule, fmt.line_spacing) == (WD_LINE_SPACING.EXACTLY, Twips(579))
    assert paragraph._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    return paragraph


# --- the builders -------------------------------------------------------------------------------------------


def test_docx_is_an_official_document(summary_a):
    data = exports.build_docx(s.render(summary_a))
    doc = assert_official_layout(data)
    text = docx_text(doc)
    assert doc.paragraphs[0].text == "开化县经信科技局2025年科技工作总结"
    assert GRANTS in text and "常山县" not in text
    paragraph = assert_body_paragraph(doc, GRANTS)
    # "二是争取上级项目支持。" is a run-in level-2 heading in 楷体, the rest 仿宋
    assert paragraph.runs[0].text == "二是争取上级项目支持。"
    assert east_asian(paragraph.runs[0]) == "楷体_GB2312"
    assert paragraph.text.startswith("二是争取上级项目支持。获批立项科技计划项目2项")
    # sections without data and without prose of staff's own are left out: no placeholder sentence
    assert s.NO_DATA not in text and "{" not in text and "暂无" not in text
    assert "招才引智" not in text and "科技特派员" not in text
    assert [p.text for p in doc.paragraphs if re.match("（[一二三四五六七八]）", p.text)] == PRINTED
    # the opening paragraph comes right after the title and its empty line
    assert doc.paragraphs[2].text.startswith("2025年，我局")
    # signed by the bureau, right-aligned
    signature = next(p for p in doc.paragraphs if p.text == "开化县经信科技局")
    assert signature.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", doc.paragraphs[-1].text)
    assert doc.core_properties.title == "开化县经信科技局2025年科技工作总结"


def test_html_is_standalone_and_every_figure_names_its_label(summary_a):
    page = exports.build_html(s.render(summary_a))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "@page { size: A4" in page
    # nothing loaded from elsewhere, no links out
    for outward in ("<link", "<script", "src=", "href=", "http://", "https://", "url("):
        assert outward not in page
    text = html.unescape(page)
    assert re.findall(r"<h3>([^<]+)</h3>", text) == PRINTED and s.NO_DATA not in text
    assert (
        f'<span class="fig" data-key="projects.grants" title="科技计划项目经费补助（依据2条记录）">{GRANTS}</span>'
        in text
    ), re.findall(r'<span class="fig" data-key="projects.grants"[^>]*>', text)
    spans = re.findall(r'<span class="fig" data-key="([^"]+)" title="([^"]+)">', text)
    # the printed sections' default prose carries the figures with records (the policy document; the project
    # applications, approvals and grants) and leaves out the sentences of those without ("本期未…")
    assert [k for k, _t in spans] == [
        "policy.documents", "projects.applications", "projects.approvals", "projects.grants",
    ] and all(t for _k, t in spans)  # fmt: skip
    assert "本期" not in text and "暂无" not in text
    assert "<title>开化县经信科技局2025年科技工作总结</title>" in text


def test_markdown(summary_a):
    md = exports.build_markdown(s.render(summary_a))
    lines = md.splitlines()
    assert lines[0] == "# 开化县经信科技局2025年科技工作总结"
    assert [line[4:] for line in lines if line.startswith("### ")] == PRINTED
    assert not [line for line in lines if line.startswith("## ")]  # no closing part: no level-1 headings
    assert (
        "\n\n二是争取上级项目支持。获批立项科技计划项目2项" in md and f"{GRANTS}。" in md
    )  # an empty line between
    # section 一 prints its one paragraph with records, renumbered: no vouchers or claims were recorded
    assert "\n\n一是完善政策体系。" in md and "二是抓好政策兑现" not in md and "用好科技创新券" not in md


def test_json(summary_a):
    data = exports.build_json(s.render(summary_a))
    json.dumps(data)  # serialisable as it is
    assert (data["title"], data["county"], data["period"], data["state"]) == (
        "开化县经信科技局2025年科技工作总结", "开化县", "2025年", "draft",
    )  # fmt: skip
    assert [(x["number"], x["heading"]) for x in data["sections"]] == [
        (i + 1, h) for i, h in enumerate(HEADINGS)
    ]
    assert data["opening"][0].startswith("2025年，我局") and [c["key"] for c in data["closing"]] == [
        "problems", "next",
    ]  # fmt: skip
    assert [b["heading"] for b in data["document"]] == ["", *PRINTED]
    paragraph = data["sections"][2]["paragraphs"][1]
    assert paragraph.startswith("二是争取上级项目支持。") and GRANTS in paragraph
    grants = next(f for f in data["figures"] if f["key"] == "projects.grants")
    assert grants == {
        "key": "projects.grants", "section": 3, "label": "科技计划项目经费补助", "value": 4000000, "unit": "元",
        "text": GRANTS, "evidence_count": 2,
    }  # fmt: skip
    assert [f["section"] for f in data["figures"]] == sorted(f["section"] for f in data["figures"])


def test_a_frozen_summary_exports_its_frozen_values(summary_a, staff_a, county_a, call_a):
    s.summary_freeze(by=staff_a, summary=summary_a)
    approve_project(staff_a, county_a, call_a, "开化县丙科技有限公司", "新型茶机", D(2025, 10, 1), 500_000)
    live = s.render(s.Summary(county=county_a, period_start=Y2025.start, period_end=Y2025.end,
                              sections=s.default_sections(Y2025), title="live"))  # fmt: skip
    assert live.figures["projects.grants"].text == GRANTS_AFTER  # the records did change

    rendered = s.render(summary_a)
    doc = open_docx(exports.build_docx(rendered))
    assert GRANTS in docx_text(doc) and GRANTS_AFTER not in docx_text(doc)
    assert GRANTS in html.unescape(exports.build_html(rendered))
    assert GRANTS in exports.build_markdown(rendered)
    data = exports.build_json(rendered)
    assert data["state"] == "frozen" and data["frozen_at"]
    grants = next(f for f in data["figures"] if f["key"] == "projects.grants")
    assert (grants["value"], grants["evidence_count"], grants["section"]) == (4000000, 2, 3)


def test_a_quarter(call_a, staff_a, county_a):
    summary = s.summary_create(by=staff_a, county=county_a, period=Period.parse("2025-Q3"))
    rendered = s.render(summary)
    assert exports.filename(rendered, "docx") == "开化县2025年7-9月科技工作总结.docx"
    # only 乙's 3,000,000 元 was approved in July–September
    assert "获得科技计划项目经费补助300万元" in docx_text(open_docx(exports.build_docx(rendered)))


# --- the download views ------------------------------------------------------------------------------------


def urls(pk):
    return {
        "docx": reverse("reports:summary_docx", args=[pk]),
        "html": reverse("reports:summary_html_export", args=[pk]),
        "md": reverse("reports:summary_md", args=[pk]),
    }


def filename_of(response):
    header = response["Content-Disposition"]
    assert header.startswith("attachment")
    return unquote(re.search(r"filename\*=utf-8''([^;]+)", header, re.I)[1])


def test_staff_download_all_three_and_each_is_audited(summary_a, staff_a):
    client = client_for(staff_a)
    u = urls(summary_a.pk)
    response = client.get(u["docx"])
    assert response.status_code == 200
    assert response["Content-Type"] == exports.DOCX_CONTENT_TYPE
    assert filename_of(response) == "开化县2025年科技工作总结.docx"
    assert 'filename="summary_330824_202501-202512.docx"' in response["Content-Disposition"]
    doc = assert_official_layout(response.content)
    assert GRANTS in docx_text(doc)

    response = client.get(u["html"])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert filename_of(response) == "开化县2025年科技工作总结.html"
    assert GRANTS in html.unescape(response.content.decode())

    response = client.get(u["md"])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/markdown")
    assert filename_of(response) == "开化县2025年科技工作总结.md"
    assert response.content.decode().startswith("# 开化县经信科技局2025年科技工作总结")

    events = AuditEvent.objects.filter(action="export", object_id=str(summary_a.pk)).order_by("pk")
    assert [(e.user, e.after["format"]) for e in events] == [
        (staff_a, "docx"),
        (staff_a, "html"),
        (staff_a, "md"),
    ]
    assert events[0].object_type == "reports.summary"


@pytest.mark.parametrize("reader", ["leader_a", "city_user", "province_user"])
def test_readers_above_may_download(request, summary_a, reader):
    response = client_for(request.getfixturevalue(reader)).get(urls(summary_a.pk)["docx"])
    assert response.status_code == 200
    assert GRANTS in docx_text(open_docx(response.content))


@pytest.mark.parametrize("user", ["staff_b", "enterprise_x", "outsider"])
def test_others_get_404_and_nothing_is_exported(request, summary_a, user):
    client = client_for(request.getfixturevalue(user))
    for url in urls(summary_a.pk).values():
        assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_anonymous_is_sent_to_log_in(client, summary_a):
    response = client.get(urls(summary_a.pk)["md"])
    assert response.status_code == 302 and "login" in response["Location"]


def test_markdown_export_escapes_html_from_the_prose(summary_a, staff_a):
    sections = dict(summary_a.sections)
    first = next(iter(sections))
    sections[first] = "今年<script>alert(1)</script>工作 <b>加粗</b> &lt; R&D 完成"
    s.summary_update(by=staff_a, summary=summary_a, title=summary_a.title, sections=sections)
    response = client_for(staff_a).get(urls(summary_a.pk)["md"])
    assert response.status_code == 200
    md = response.content.decode()
    assert "<script>" not in md and "<b>" not in md
    assert "今年&lt;script&gt;alert(1)&lt;/script&gt;工作 &lt;b&gt;加粗&lt;/b&gt; &amp;lt; R&D 完成" in md
