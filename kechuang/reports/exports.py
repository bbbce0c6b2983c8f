"""The work summary as files: a Word document laid out as a Chinese official document (GB/T 9704-2012),
a standalone HTML page, Markdown and JSON. All four read one `Rendered` (summary.render), so they quote
the same figures — live for a draft, the snapshot once frozen — and always agree with the summary page.

Word layout (GB/T 9704-2012): A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a text block
of 156 × 225 mm); title 方正小标宋简体 二号 centred; body 仿宋_GB2312 三号, 22 lines of 28 characters (a
document grid, exact line spacing), first line indented two characters; level-1 headings ("一、") 黑体
三号, level-2 headings ("（一）") and run-in headings ("一是完善政策体系。") 楷体_GB2312 三号; page numbers 4号 半角 Arabic digits between
one-character dashes, "— 1 —", odd pages on the right and even pages on the left, one character in.
Font names are written into every run (w:eastAsia for Chinese, Times New Roman for digits and Latin
letters) whether or not the fonts are installed here: Word on the reader's machine picks them up."""

from __future__ import annotations

import io
import math
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.units import chinese_date

from .figures import REGISTRY
from .summary import Block, FigureRef, Paragraph, Rendered, Unresolved

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"

TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
PAGE_NUMBER_PT = 14  # 4号

# The page and its text block, in millimetres.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156
TEXT_HEIGHT_MM = PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]  # 225
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28


def _mm_to_pt(mm: float) -> float:
    return mm / 25.4 * 72


# 225 mm / 22 lines = 28.98 pt a line; rounded down to whole twips so 22 lines always fit: 579 twips.
LINE_PITCH_TWIPS = int(_mm_to_pt(TEXT_HEIGHT_MM) * 20 / LINES_PER_PAGE)
# Character pitch 156 mm / 28 = 15.79 pt, a little less than the 16 pt body size. A character grid
# (w:docGrid linesAndChars) gives that pitch in Word, but LibreOffice puts a character that is wider than
# its grid cell into two cells (14 characters a line). So the grid is of lines only, and the body's
# characters are set 0.25 pt closer (w:spacing -5 twentieths of a point, rounded down from -4.2 so that
# 28 characters always fit): 28 a line in Word, WPS and LibreOffice alike.
CHAR_SPACING_TWENTIETHS = math.floor((_mm_to_pt(TEXT_WIDTH_MM) / CHARS_PER_LINE - BODY_PT) * 20)

# A paragraph's run-in level-2 heading: "一是完善政策体系。" before the rest of the sentence.
RUN_IN_HEADING = re.compile(r"^([一二三四五六七八九十]+是[^。；，]{1,30}。)")


def filename(rendered: Rendered, suffix: str) -> str:
    """开化县2025年科技工作总结.docx (or …2025年1-9月…): county, period, what it is; no path characters."""
    summary = rendered.summary
    name = _("%(c)s%(p)s科技工作总结") % {"c": summary.county.name, "p": rendered.period.label}
    safe = "".join(ch for ch in name if ch not in '\\/:*?"<>|\r\n\t')[:80] or _("工作总结")
    return f"{safe}.{suffix}"


def ascii_filename(rendered: Rendered, suffix: str) -> str:
    """The fallback `filename=` for clients that ignore RFC 5987 filename*."""
    s = rendered.summary
    return f"summary_{s.county_id}_{s.period_start:%Y%m}-{s.period_end:%Y%m}.{suffix}"


def issuer_name(rendered: Rendered) -> str:
    return _("%(c)s经信科技局") % {"c": rendered.summary.county.name}


def issued_on(rendered: Rendered) -> str:
    """The date under the text: the day the summary was frozen, else today (a draft is dated when printed)."""
    summary = rendered.summary
    if rendered.frozen and summary.frozen_at is not None:
        return chinese_date(timezone.localtime(summary.frozen_at).date())
    return chinese_date(timezone.localdate())


def _figure_section(key: str, rendered: Rendered) -> int | None:
    if rendered.frozen:
        entry = rendered.summary.snapshot.get(key) or {}
        if entry.get("section") is not None:
            return int(entry["section"])
    d = REGISTRY.get(key)
    return d.section if d is not None else None


def _ordered_figures(rendered: Rendered) -> list[tuple[int | None, FigureRef]]:
    def order(item: tuple[str, FigureRef]) -> tuple[int, int, str]:
        d = REGISTRY.get(item[0])
        return (_figure_section(item[0], rendered) or 99, d.order if d else 10_000, item[0])

    return [(_figure_section(k, rendered), ref) for k, ref in sorted(rendered.figures.items(), key=order)]


# --- JSON -----------------------------------------------------------------------------------------------------


def build_json(rendered: Rendered) -> dict[str, Any]:
    summary = rendered.summary
    return {
        "title": summary.title,
        "county": summary.county.name,
        "county_code": summary.county_id,
        "period": rendered.period.label,
        "period_start": rendered.period.start.isoformat(),
        "period_end": rendered.period.end.isoformat(),
        "state": summary.state,
        "frozen_at": summary.frozen_at.isoformat() if rendered.frozen and summary.frozen_at else None,
        # The prose as stored, part by part (the page's view: every part, placeholders' sentences in).
        "opening": [p.plain for p in rendered.opening.paragraphs] if rendered.opening else [],
        "sections": [
            {
                "number": s.number,
                "title": s.title,
                "heading": s.heading,
                "has_data": s.has_data,
                "paragraphs": [p.plain for p in s.paragraphs],
            }
            for s in rendered.sections
        ],
        "closing": [
            {"key": c.key, "title": c.title, "paragraphs": [p.plain for p in c.paragraphs]}
            for c in rendered.closing
        ],
        # What the printed document says (Word, HTML, Markdown): headings as printed, empty parts left out.
        "document": [
            {"level": b.level, "heading": b.heading, "paragraphs": [p.plain for p in b.paragraphs]}
            for b in rendered.outline(printing=True)
        ],
        "figures": [
            {
                "key": ref.key,
                "section": section,
                "label": ref.label,
                "value": ref.value,
                "unit": ref.unit,
                "text": ref.text,
                "evidence_count": ref.evidence_count,
            }  # fmt: skip
            for section, ref in _ordered_figures(rendered)
        ],
    }


# --- Markdown -------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def _md(text: str) -> str:
    """Escape what Markdown would read as markup (Chinese prose rarely has any). HTML in the prose
    becomes text: < and > as character references (and & where it would start one, so "R&D" stays
    as it is), which every Markdown renderer shows as the characters and none reads as a tag (a
    backslash before < is not honoured everywhere)."""
    text = _MD_ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"^([#>+-]|\d+\.)", r"\\\1", escaped)


def build_markdown(rendered: Rendered) -> str:
    lines = [f"# {_md(rendered.summary.title)}", ""]
    for block in rendered.outline(printing=True):
        if block.heading:
            lines += [f"{'##' if block.level == 1 else '###'} {_md(block.heading)}", ""]
        for paragraph in block.paragraphs:
            lines += [_md(paragraph.plain), ""]
    lines += [_md(issuer_name(rendered)), "", _md(issued_on(rendered)), ""]
    return "\n".join(lines)


# --- HTML -----------------------------------------------------------------------------------------------------


def _html_part(part: str | FigureRef | Unresolved) -> dict[str, Any]:
    if isinstance(part, Unresolved):  # not in a printed paragraph (Paragraph.printable drops them)
        return {"text": "", "figure": None}
    if isinstance(part, str):
        return {"text": part, "figure": None}
    hint = _("%(label)s（依据%(n)s条记录）") % {"label": part.label, "n": part.evidence_count}
    return {"text": part.text, "figure": part, "hint": hint}


def _html_parts(paragraph: Paragraph) -> list[dict[str, Any]]:
    parts = list(paragraph.parts)
    lead: list[dict[str, Any]] = []
    if parts and isinstance(parts[0], str) and (m := RUN_IN_HEADING.match(parts[0])):
        lead = [{"text": m[1], "figure": None, "lead": True}]
        rest = parts[0][m.end() :]
        parts = [rest, *parts[1:]] if rest else parts[1:]
    return lead + [_html_part(part) for part in parts]


def build_html(rendered: Rendered) -> str:
    """A complete page with its CSS inline and nothing loaded from elsewhere: it can be mailed or
    archived as it is, and prints on A4."""
    sections = [
        {
            "heading": b.heading,
            "level": b.level,
            "key": b.section.key if b.section else "",
            "paragraphs": [_html_parts(p) for p in b.paragraphs],
        }
        for b in rendered.outline(printing=True)
    ]
    return render_to_string(
        "reports/export.html",
        {
            "rendered": rendered,
            "summary": rendered.summary,
            "period": rendered.period,
            "sections": sections,
            "issuer": issuer_name(rendered),
            "issued_on": issued_on(rendered),
        },
    )


# --- Word -----------------------------------------------------------------------------------------------------


def _fonts(run: Any, east_asian: str, size_pt: float, *, bold: bool = False) -> None:
    """Name the run's fonts in the XML: w:eastAsia for the Chinese characters, Times New Roman for digits
    and Latin letters (ascii/hAnsi), and its size."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size_pt)
    run.font.bold = bold
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.get_or_add_rFonts()
    r_fonts.set(qn("w:ascii"), LATIN_FONT)
    r_fonts.set(qn("w:hAnsi"), LATIN_FONT)
    r_fonts.set(qn("w:cs"), LATIN_FONT)
    r_fonts.set(qn("w:eastAsia"), east_asian)


def _indent_chars(paragraph: Any, *, first_line: int = 0, right: int = 0, size_pt: float = BODY_PT) -> None:
    """Indent by characters (w:firstLineChars / w:rightChars, hundredths of a character, which Word
    honours on a character grid) with the equivalent length for other readers."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fmt = paragraph.paragraph_format
    if first_line:
        fmt.first_line_indent = Pt(size_pt * first_line)
    if right:
        fmt.right_indent = Pt(size_pt * right)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    if first_line:
        ind.set(qn("w:firstLineChars"), str(first_line * 100))
    if right:
        ind.set(qn("w:rightChars"), str(right * 100))


def _paragraph(doc: Any, *, align: Any = None, exact: bool = True) -> Any:
    from docx.shared import Pt, Twips

    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if exact:
        fmt.line_spacing = Twips(LINE_PITCH_TWIPS)  # a Length: lineRule="exact"
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.widow_control = False  # 公文 fill every one of the 22 lines
    return paragraph


def _off_grid(paragraph: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    # pPr's children come in schema order: snapToGrid follows the keep/page-break/frame group and comes
    # before spacing, ind and jc, which python-docx has added already.
    anchor = next((c for c in p_pr if c.tag in {qn("w:spacing"), qn("w:ind"), qn("w:jc")}), None)
    if anchor is not None:
        anchor.addprevious(snap)
    else:
        p_pr.append(snap)


def _add_text(paragraph: Any, text: str, font: str = BODY_FONT, size: float = BODY_PT) -> Any:
    run = paragraph.add_run(text)
    _fonts(run, font, size)
    return run


def _body_paragraph(doc: Any, paragraph: Paragraph) -> None:
    """A paragraph of the text, figures as their sentences; a leading "一是……。" in 楷体 as a run-in
    level-2 heading."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(p, first_line=2)
    parts = list(paragraph.parts)
    if parts and isinstance(parts[0], str) and (m := RUN_IN_HEADING.match(parts[0])):
        _add_text(p, m[1], SUBHEADING_FONT)
        rest = parts[0][m.end() :]
        parts = [rest, *parts[1:]] if rest else parts[1:]
    for part in parts:
        if not isinstance(part, Unresolved):
            _add_text(p, part if isinstance(part, str) else part.text)


def _block(doc: Any, block: Block) -> None:
    """A part of the text: its heading — level 1 "一、…" in 黑体, level 2 "（一）…" in 楷体 (GB/T 9704
    7.3.3: 黑体, 楷体, then 仿宋 for the run-in "一是……。") —, then its paragraphs."""
    if block.heading:
        heading = _paragraph(doc)
        _indent_chars(heading, first_line=2)
        heading.paragraph_format.keep_with_next = True
        _add_text(heading, block.heading, HEADING_FONT if block.level == 1 else SUBHEADING_FONT)
    for paragraph in block.paragraphs:
        _body_paragraph(doc, paragraph)


def _page_number_footer(footer: Any, align: Any, *, left: bool) -> None:
    """ "— 1 —" in 4号 with a PAGE field; one character in from the side it sits on."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph = footer.paragraphs[0]
    for run in list(paragraph.runs):
        run._element.getparent().remove(run._element)
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if left:
        fmt.left_indent = Pt(PAGE_NUMBER_PT)
    else:
        fmt.right_indent = Pt(PAGE_NUMBER_PT)

    def run_with(*children: Any, text: str = "") -> None:
        run = paragraph.add_run(text)
        _fonts(run, PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        if "—" in text:  # the dash as a full-width 一字线, set in the East Asian font
            run._element.rPr.rFonts.set(qn("w:hint"), "eastAsia")
        for child in children:
            run._r.append(child)

    def fld(kind: str) -> Any:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(text="— ")
    run_with(fld("begin"))
    run_with(instr)
    run_with(fld("separate"))
    run_with(text="1")  # shown until the reader's Word updates the field
    run_with(fld("end"))
    run_with(text=" —")


def _page_setup(doc: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    # The page number's dashes sit about 7 mm below the text block (35 mm − 7 mm − one 4号 line).
    section.footer_distance = Mm(22)
    section.header_distance = Mm(15)

    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    sect_pr.append(grid)  # docGrid is the last child python-docx's template gives a sectPr

    # The document's defaults and Normal: 仿宋_GB2312 三号, the size the character grid is measured
    # against, named outright rather than through the theme; no spacing between paragraphs.
    styles = doc.styles.element
    r_pr_default = styles.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault") + "/" + qn("w:rPr"))
    if r_pr_default is not None:
        for child in list(r_pr_default):
            r_pr_default.remove(child)
        defaults = OxmlElement("w:rFonts")
        for attr, value in (("ascii", LATIN_FONT), ("hAnsi", LATIN_FONT), ("cs", LATIN_FONT),
                            ("eastAsia", BODY_FONT)):  # fmt: skip
            defaults.set(qn(f"w:{attr}"), value)
        r_pr_default.append(defaults)
        condensed = OxmlElement("w:spacing")  # before w:sz, as the schema orders rPr
        condensed.set(qn("w:val"), str(CHAR_SPACING_TWENTIETHS))
        r_pr_default.append(condensed)
        for tag in ("w:sz", "w:szCs"):
            size = OxmlElement(tag)
            size.set(qn("w:val"), str(BODY_PT * 2))
            r_pr_default.append(size)
        default_lang = OxmlElement("w:lang")
        default_lang.set(qn("w:val"), "en-US")
        default_lang.set(qn("w:eastAsia"), "zh-CN")
        r_pr_default.append(default_lang)
    spacing = styles.find(
        qn("w:docDefaults") + "/" + qn("w:pPrDefault") + "/" + qn("w:pPr") + "/" + qn("w:spacing")
    )
    if spacing is not None:
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    r_fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    r_fonts.set(qn("w:eastAsia"), BODY_FONT)
    r_fonts.set(qn("w:hAnsi"), LATIN_FONT)
    lang = normal.element.get_or_add_rPr().find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        normal.element.get_or_add_rPr().append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")

    # Odd pages number on the right, even pages on the left.
    doc.settings.odd_and_even_pages_header_footer = True
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, left=False)
    _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, left=True)


def build_docx(rendered: Rendered) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    summary = rendered.summary
    doc = Document()
    _page_setup(doc)
    props = doc.core_properties
    props.title = summary.title
    props.author = issuer_name(rendered)
    props.subject = rendered.period.label
    props.language = "zh-CN"

    title = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    # The 二号 title keeps its one exact line: Word lets exact spacing win over the line grid, LibreOffice
    # snaps a line taller than the grid's pitch to two grid lines unless the paragraph is off the grid.
    _off_grid(title)
    _add_text(title, summary.title, TITLE_FONT, TITLE_PT)
    _paragraph(doc)  # one empty line under the title

    for block in rendered.outline(printing=True):
        _block(doc, block)

    # The bureau's name and the date, right-aligned two characters in, after one empty line. A page with
    # only the name and the date on it is not done (GB/T 9704 7.3.5): a short last paragraph (three lines
    # at most) is kept with them, so it moves over with them rather than leave them alone. (A longer one
    # is not: LibreOffice would move all of it and leave the page before it half empty.)
    last = doc.paragraphs[-1] if len(doc.paragraphs) > 2 else None
    if last is not None and len(last.text) <= 3 * CHARS_PER_LINE:
        last.paragraph_format.keep_with_next = True
    spacer = _paragraph(doc)
    spacer.paragraph_format.keep_with_next = True
    for n, text in enumerate((issuer_name(rendered), issued_on(rendered))):
        line = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _indent_chars(line, right=2)
        line.paragraph_format.keep_with_next = n == 0
        _add_text(line, text)

    output = io.BytesIO()
    doc.save(output)
    return output.getvalue()
