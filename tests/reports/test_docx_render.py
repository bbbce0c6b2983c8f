"""The Word file as a reader outside Word sees it: converted to PDF by LibreOffice headless (Debian's
libreoffice-writer-nogui, which .ci/run installs) and read back with pdfplumber. GB/T 9704-2012 asks for
22 lines of 28 characters on a page and the page number "— 1 —" at the foot.

The summary is staff's prose, long enough to fill page one: the opening and the closing parts are
written out in full lines of plain Chinese (no digits or Latin letters, which are narrower), so a full
body line holds exactly its grid's characters."""

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from kechuang.reports import exports
from kechuang.reports import summary as s
from kechuang.reports.figures import Period

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui (.ci/run does)",
)

# Plain characters without punctuation inside the paragraph: a comma that would open a line makes any
# layout engine break one character early (禁则), which is right but would blur the count.
PROSE = "聚焦企业创新主体强化政策落实推动科技创新工作取得新成效"


def to_pdf(data: bytes, tmp_path: Path) -> Path:
    source = tmp_path / "summary.docx"
    source.write_bytes(data)
    profile = tmp_path / "lo-profile"  # a profile of its own: no clash with another soffice running
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "summary.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return pdf


def lines_of(page) -> list[str]:
    """The page's text lines, top to bottom, from the characters' baselines."""
    rows: dict[int, list] = defaultdict(list)
    for ch in page.chars:
        if ch["text"].strip():
            rows[round(ch["bottom"])].append(ch)
    return ["".join(c["text"] for c in sorted(rows[y], key=lambda c: c["x0"])) for y in sorted(rows)]


def test_the_word_file_has_28_characters_by_22_lines_and_the_page_number(staff_a, county_a, tmp_path):
    import pdfplumber

    summary = s.summary_create(by=staff_a, county=county_a, period=Period.year_of(2025))
    long = PROSE * 8 + "。"  # 27 × 8 + 1 = 217 characters: 8 lines
    sections = dict(summary.sections)
    sections.update({s.OPENING: long, s.PROBLEMS: long, s.NEXT: "\n".join([long] * 3)})
    s.summary_update(by=staff_a, summary=summary, title=summary.title, sections=sections)
    pdf_path = to_pdf(exports.build_docx(s.render(summary)), tmp_path)

    with pdfplumber.open(pdf_path) as pdf:
        assert len(pdf.pages) >= 2
        first, second = pdf.pages[0], pdf.pages[1]
        text_lines = lines_of(first)
        footer = [ln for ln in text_lines if "—" in ln]
        assert footer and footer[-1].replace(" ", "") == "—1—", text_lines[-3:]
        body = [ln for ln in text_lines if ln not in footer]
        # Page one: the title, an empty line (no characters), then the opening: its first line two
        # characters in (26), then full lines of 28 — the last line of a paragraph may be short.
        assert body[0] == summary.title
        opening = body[1:9]
        assert len(opening[0]) in (25, 26, 27), opening[0]
        assert all(abs(len(ln) - 28) <= 1 for ln in opening[1:-1]), [len(ln) for ln in opening]
        # 22 lines on a full page: the title, the empty line under it and 20 lines of text on page one.
        assert len(body) == 21, (len(body), body)
        second_body = [ln for ln in lines_of(second) if "—" not in ln]
        assert len(second_body) == 22, (len(second_body), second_body)
        footer_two = [ln for ln in lines_of(second) if "—" in ln]
        assert footer_two[-1].replace(" ", "") == "—2—"


def test_the_word_file_prints_no_placeholder_and_leaves_out_empty_sections(staff_a, county_a, tmp_path):
    """Sections 5, 7 and 8 (no stream yet) and the default prose of streams without records are not
    printed; nor is a placeholder whose figure no longer exists."""
    import pdfplumber

    summary = s.summary_create(by=staff_a, county=county_a, period=Period.year_of(2025))
    sections = dict(summary.sections)
    sections[s.PROBLEMS] = "一是统计基础仍较薄弱。部分企业研发费用归集不够规范。"
    s.summary_update(by=staff_a, summary=summary, title=summary.title, sections=sections)
    pdf_path = to_pdf(exports.build_docx(s.render(summary)), tmp_path)
    with pdfplumber.open(pdf_path) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
    assert s.NO_DATA not in text and "{" not in text and "暂无" not in text
    assert "科技特派员工作" not in text  # section 5 has neither data nor prose
    # no stream section is printed, so no "一、2025年主要工作" above them: the problems come first
    assert "、2025年主要工作" not in text and "一、存在的问题" in text
    assert "下一步工作思路" not in text  # not written
    assert "一是统计基础仍较薄弱。" in text
