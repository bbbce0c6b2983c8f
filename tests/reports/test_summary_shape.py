"""The summary in the seed's shape — an opening paragraph, the eight sections headed （一）…（八）, then
存在的问题 and 下一步工作思路 written by staff — on every surface (service, editor page, API, CLI, the
printed files), the warnings before and on freezing, what printed files leave out, and a summary saved
before these parts existed. The data: county A has two enterprises paid 20万元 each in 2026
(tests/reports/test_summary.paid_claims), so section 1 has data; sections 2–8 have none."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from docx import Document

from kechuang.core.models import AuditEvent
from kechuang.reports import exports
from kechuang.reports import summary as s
from kechuang.reports.figures import Period
from kechuang.reports.models import Summary
from tests.conftest import client_for
from tests.reports.test_summary import paid_claims

Y2026 = Period.year_of(2026)
PROBLEMS = "一是统计基础仍较薄弱。部分企业研发费用归集不够规范。\n二是创新平台数量偏少。"
NEXT = "一是抓好政策落实。"


@pytest.fixture
def summary(staff_a, county_a, hte, incentive):
    paid_claims(staff_a, county_a, hte, incentive, 2)
    return s.summary_create(by=staff_a, county=county_a, period=Y2026)


def docx_text(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_a_new_summary_has_the_opening_eight_sections_and_two_closing_parts(summary):
    rendered = s.render(summary)
    assert rendered.opening.paragraphs[0].plain.startswith("2026年，我局")
    assert [sec.heading for sec in rendered.sections][:2] == ["（一）政策激励工作", "（二）创新主体培育工作"]
    assert [c.title for c in rendered.closing] == ["存在的问题", "下一步工作思路"]
    assert all(not c.paragraphs for c in rendered.closing)  # staff write them
    # the page's outline: opening, 一、<period>主要工作 over the eight, 二、存在的问题, 三、下一步工作思路
    outline = [(b.level, b.heading) for b in rendered.outline()]
    assert outline[0] == (0, "") and outline[1] == (1, "一、2026年主要工作")
    assert [h for lvl, h in outline if lvl == 2] == [sec.heading for sec in rendered.sections]
    assert outline[-2:] == [(1, "二、存在的问题"), (1, "三、下一步工作思路")]


def test_printed_files_leave_out_sections_without_data_or_prose_and_number_the_rest(summary, staff_a):
    sections = {
        **summary.sections,
        s.PROBLEMS: PROBLEMS,
        "7": "积极搭建产学研合作平台，组织企业对接高校院所。",
    }
    s.summary_update(by=staff_a, summary=summary, title=summary.title, sections=sections)
    rendered = s.render(summary)
    printed = [(b.level, b.heading) for b in rendered.outline(printing=True)]
    # section 1 has data; 7 has staff's own prose (no figures): both printed, numbered （一）（二）; the
    # default prose of 2, 3, 4 and 6 around figures without records and the note of 5 and 8 are not
    assert printed == [
        (0, ""), (1, "一、2026年主要工作"), (2, "（一）政策激励工作"), (2, "（二）产学研合作工作"),
        (1, "二、存在的问题"),
    ]  # fmt: skip
    lines = docx_text(exports.build_docx(rendered))
    text = "\n".join(lines)
    assert "（二）产学研合作工作" in lines and "二、存在的问题" in lines and "下一步工作思路" not in text
    assert s.NO_DATA not in text and "{" not in text and "暂无" not in text
    assert "一是统计基础仍较薄弱。部分企业研发费用归集不够规范。" in lines
    md = exports.build_markdown(rendered)
    assert "## 二、存在的问题" in md and "### （二）产学研合作工作" in md and s.NO_DATA not in md
    html = exports.build_html(rendered)
    assert "<h2>二、存在的问题</h2>" in html and s.NO_DATA not in html


def test_a_summary_saved_before_the_new_parts_still_renders(summary, staff_a):
    old = {str(n): summary.sections[str(n)] for n in range(1, 9)}  # as summaries were stored before
    Summary.objects.filter(pk=summary.pk).update(sections=old)
    summary.refresh_from_db()
    rendered = s.render(summary)
    assert not rendered.opening.paragraphs and all(not c.paragraphs for c in rendered.closing)
    lines = docx_text(exports.build_docx(rendered))
    assert lines[2] == "（一）政策激励工作"  # title, empty line, no opening, no 一、 heading
    assert not any("存在的问题" in ln for ln in lines)
    page = client_for(staff_a).get(f"/reports/summaries/{summary.pk}/")
    assert page.status_code == 200 and "（开头语尚未填写）" in page.content.decode()
    s.summary_freeze(by=staff_a, summary=summary)  # and freezes as it is
    assert exports.build_json(s.render(summary))["opening"] == []


def test_a_placeholder_whose_figure_is_gone_shows_on_the_page_and_is_never_printed(summary, staff_a):
    sections = {**summary.sections, "1": "一是完善政策体系。{policy.documents}，{gone.figure}，其他。"}
    Summary.objects.filter(pk=summary.pk).update(sections=sections)  # saved before the figure went
    summary.refresh_from_db()
    rendered = s.render(summary)
    page = client_for(staff_a).get(f"/reports/summaries/{summary.pk}/").content.decode()
    assert '<mark class="fig-missing"' in page and "{gone.figure}" in page
    lines = docx_text(exports.build_docx(rendered))
    assert not any("{" in ln or "，，" in ln for ln in lines)
    assert any(ln.startswith("一是完善政策体系。") and ln.endswith("，其他。") for ln in lines)
    assert any("{gone.figure}" in w and "已不存在" in w for w in s.freeze_warnings(summary))


def test_punctuation_where_a_figure_meets_the_prose_is_not_doubled():
    ref = s.FigureRef("x.y", "获批项目2项。", "项目", 2, "项", 2)
    (paragraph,) = s._paragraphs("一是争取支持。{x.y}。其中（）重点项目1项。", {"x.y": ref})
    assert paragraph.plain == "一是争取支持。获批项目2项。其中重点项目1项。"


def test_freezing_lists_the_warnings_first_and_keeps_them_with_the_freeze(summary, staff_a):
    warnings = s.freeze_warnings(summary)
    # sections 2–8 have no data: the default prose of 2, 3, 4, 6 and the note of 5, 7, 8 — all left out
    assert "（五）科技特派员工作：暂无数据，也未填写正文，Word 文件中将略去本部分。" in warnings
    assert "“存在的问题”尚未填写。" in warnings and "“下一步工作思路”尚未填写。" in warnings
    assert len([w for w in warnings if "略去本部分" in w]) == 7
    # section 1 has data and prints; its figures without a record are named (no policy document here)
    first = [w for w in warnings if w.startswith("（一）")]
    assert first and all("没有依据记录" in w for w in first)
    assert any("“参与制定的政策文件”" in w or "政策文件" in w for w in first)
    client = client_for(staff_a)
    page = client.get(f"/reports/summaries/{summary.pk}/").content.decode()
    n = len(warnings)
    assert 'id="freeze-warnings"' in page and "定稿前请核对" in page and f"尚有 {n} 条提示" in page
    response = client.post(f"/reports/summaries/{summary.pk}/freeze/", follow=True)
    assert Summary.objects.get(pk=summary.pk).is_frozen  # warnings never block
    assert f"定稿时有{n}条提示" in response.content.decode()
    event = AuditEvent.objects.get(action="freeze")
    assert event.after["warnings"] == warnings
    frozen_page = client.get(f"/reports/summaries/{summary.pk}/").content.decode()
    assert 'id="freeze-warnings"' not in frozen_page


def test_writing_the_closing_parts_clears_their_warnings_and_a_written_section_prints(summary, staff_a):
    sections = {**summary.sections, s.PROBLEMS: PROBLEMS, s.NEXT: NEXT, "5": "完善科技特派员管理办法。"}
    s.summary_update(by=staff_a, summary=summary, title=summary.title, sections=sections)
    warnings = s.freeze_warnings(summary)
    assert not any("尚未填写" in w for w in warnings)
    assert "（五）科技特派员工作：暂无数据，正文为科室撰写，将照印。" in warnings


def test_the_editor_page_carries_every_part(summary, staff_a):
    client = client_for(staff_a)
    url = f"/reports/summaries/{summary.pk}/edit/"
    page = client.get(url).content.decode()
    for key in ("opening", "1", "8", "problems", "next"):
        assert f'name="section_{key}"' in page
    assert "存在的问题" in page and "下一步工作思路" in page
    form = {"title": summary.title, **{f"section_{k}": v for k, v in summary.sections.items()}}
    token = page.split('name="_loaded" value="', 1)[1].split('"', 1)[0]
    form.update({"_loaded": token, "section_problems": PROBLEMS, "section_opening": "今年工作有序推进。"})
    assert client.post(url, form).status_code == 302
    stored = Summary.objects.get(pk=summary.pk).sections
    assert stored["problems"] == PROBLEMS and stored["opening"] == "今年工作有序推进。"


def test_the_api_reads_and_patches_the_new_parts_and_refuses_unknown_ones(summary, staff_a):
    client = client_for(staff_a)
    url = f"/api/reports/summaries/{summary.pk}"
    read = client.get(url)
    data = read.json()
    assert set(data["sections"]) == set(s.PART_KEYS) and "“存在的问题”尚未填写。" in data["warnings"]
    ok = client.patch(
        url, {"sections": {"next": NEXT}}, content_type="application/json", headers={"If-Match": read["ETag"]}
    )
    assert ok.status_code == 200 and ok.json()["sections"]["next"] == NEXT
    bad = client.patch(url, {"sections": {"9": "第九部分"}}, content_type="application/json")
    assert bad.status_code == 422 and "9" in json.dumps(bad.json(), ensure_ascii=False)
    assert "9" not in Summary.objects.get(pk=summary.pk).sections
    frozen = client.post(f"{url}/freeze").json()
    assert frozen["state"] == "frozen" and "“存在的问题”尚未填写。" in frozen["warnings"]


def test_validate_sections_refuses_unknown_parts_and_placeholders():
    with pytest.raises(ValidationError) as e:
        s.validate_sections({"opening": "{no.such}", "extra": "x"})
    assert set(e.value.error_dict) == {"sections", "section_opening"}


def test_the_cli_writes_the_default_summary_in_the_seeds_shape(county_a, tmp_path):
    out = tmp_path / "s.md"
    call_command("summary", "--county", county_a.code, "--year", "2026", "--format", "md", "-o", str(out))
    md = out.read_text()
    assert md.splitlines()[2].startswith("2026年，我局") and s.NO_DATA not in md
