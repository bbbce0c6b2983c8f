"""`kechuang summary`: a county's work summary written to a file in each format — the saved summary when
there is one (frozen values once frozen), otherwise the default prose with live figures, saving nothing."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kechuang.core.models import AuditEvent
from kechuang.reports import summary as s
from kechuang.reports.figures import Period
from kechuang.reports.models import Summary

from .test_exports import (
    GRANTS,
    GRANTS_AFTER,
    PRINTED,
    approve_project,
    assert_body_paragraph,
    assert_official_layout,
    build_dataset,
    docx_text,
)


def run(*args):
    out = StringIO()
    call_command("summary", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def call_a(staff_a, county_a):
    return build_dataset(staff_a, county_a)


def test_each_format_from_the_default_prose_without_saving_anything(call_a, tmp_path):
    base = ["--county", "330824", "--year", "2025"]
    out = run(*base, "--format", "docx", "-o", str(tmp_path / "总结.docx"))
    assert "默认模板" in out and "总结.docx" in out
    doc = assert_official_layout((tmp_path / "总结.docx").read_bytes())
    assert doc.paragraphs[0].text == "开化县经信科技局2025年科技工作总结"
    assert_body_paragraph(doc, GRANTS)

    run(*base, "--format", "json", "-o", str(tmp_path / "s.json"))
    data = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert (data["county"], data["period"], data["state"]) == ("开化县", "2025年", "draft")
    assert [sec["number"] for sec in data["sections"]] == list(range(1, 9))
    grants = next(f for f in data["figures"] if f["key"] == "projects.grants")
    assert (grants["value"], grants["text"], grants["evidence_count"]) == (4000000, GRANTS, 2)

    run(*base, "--format", "md", "-o", str(tmp_path / "s.md"))
    md = (tmp_path / "s.md").read_text(encoding="utf-8")
    # printed: the sections with data (1 and 3), numbered on; no closing part written, no level-1 heading
    assert [line[4:] for line in md.splitlines() if line.startswith("### ")] == PRINTED and GRANTS in md

    run(*base, "-o", str(tmp_path / "s.html"))  # the format from the file's extension
    page = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-key="projects.grants"' in page and GRANTS in page

    assert not Summary.objects.exists()
    events = AuditEvent.objects.filter(action="export", object_type="reports.summary")
    assert events.count() == 4
    assert all(e.username.startswith("命令行:") and e.after["saved"] is False for e in events)


def test_markdown_to_the_screen(call_a):
    out = run("--county", "开化县", "--year", "2025", "--format", "md", "-o", "-")
    assert out.startswith("# 开化县经信科技局2025年科技工作总结\n") and GRANTS in out


def test_a_year_to_date_period(call_a, tmp_path):
    path = tmp_path / "ytd.json"
    run("--county", "330824", "--year", "2025", "--period", "2025-01..2025-06", "-o", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["title"], data["period"]) == ("开化县经信科技局2025年1-6月科技工作总结", "2025年1-6月")
    grants = next(f for f in data["figures"] if f["key"] == "projects.grants")
    assert grants["value"] == 1000000  # only 甲's approval of 2025-03-01


def test_the_saved_summary_is_used_and_a_frozen_one_keeps_its_values(call_a, staff_a, county_a, tmp_path):
    summary = s.summary_create(
        by=staff_a, county=county_a, period=Period.year_of(2025), title="开化县科技工作总结"
    )
    sections = dict(summary.sections)
    sections["3"] = "全年项目工作成效明显，{projects.grants}。"
    s.summary_update(by=staff_a, summary=summary, title=summary.title, sections=sections)
    s.summary_freeze(by=staff_a, summary=summary)
    approve_project(
        staff_a, county_a, call_a, "开化县丙科技有限公司", "新型茶机", dt.date(2025, 10, 1), 500_000
    )

    out = run("--county", "330824", "--year", "2025", "--format", "docx", "-o", str(tmp_path / "f.docx"))
    assert "已定稿" in out
    text = docx_text(assert_official_layout((tmp_path / "f.docx").read_bytes()))
    assert text.splitlines()[0] == "开化县科技工作总结"
    assert f"全年项目工作成效明显，{GRANTS}。" in text and GRANTS_AFTER not in text

    run("--county", "330824", "--year", "2025", "-o", str(tmp_path / "f.json"))
    data = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    assert data["state"] == "frozen"
    assert data["sections"][2]["paragraphs"] == [f"全年项目工作成效明显，{GRANTS}。"]
    assert next(f for f in data["figures"] if f["key"] == "projects.grants")["value"] == 4000000
    event = AuditEvent.objects.filter(action="export", object_id=str(summary.pk)).latest("pk")
    assert event.object_type == "reports.summary" and event.after["saved"] is True

    # the live figures for the same period have moved on: a summary of the quarter is built from the records
    run("--county", "330824", "--year", "2025", "--period", "2025-Q4", "-o", str(tmp_path / "q4.md"))
    assert "获得科技计划项目经费补助50万元" in (tmp_path / "q4.md").read_text(encoding="utf-8")
    assert Summary.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--county", "999999", "--year", "2025", "-o", "x.md"], "没有区划代码或名称为“999999”"),
        (["--county", "330800", "--year", "2025", "-o", "x.md"], "工作总结按县（市、区）编写"),
        (["--county", "330824", "--year", "2025", "--period", "2025-Q5", "-o", "x.md"], "无法识别的期间"),
        (["--county", "330824", "--year", "2025", "--period", "2024-Q1", "-o", "x.md"], "不在 2025 年内"),
        (["--county", "330824", "--year", "2025", "--format", "pdf", "-o", "x.pdf"], "不支持的格式“pdf”"),
        (["--county", "330824", "--year", "2025", "-o", "x.txt"], "请用 --format 指定格式"),
        (["--county", "330824", "--year", "2025", "--format", "docx", "-o", "-"], "不能输出到屏幕"),
    ],
)
def test_bad_input_is_refused_in_chinese(reference, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_an_unwritable_path_is_refused(reference, tmp_path):
    with pytest.raises(CommandError, match="目录 .* 不存在"):
        run("--county", "330824", "--year", "2025", "-o", str(tmp_path / "missing" / "s.md"))
    with pytest.raises(CommandError, match="是一个目录"):
        run("--county", "330824", "--year", "2025", "--format", "md", "-o", str(tmp_path))
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="无法写入"):
        run("--county", "330824", "--year", "2025", "-o", str(blocker / "s.md"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # nothing half-written left behind
