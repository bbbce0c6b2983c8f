"""The public notice (公示) as a printable page, a Word document laid out like an official notice, and an
Excel list. All three read the same rows, period and wording from here, so they always agree."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kechuang.core.models import Region
from kechuang.core.units import chinese_date, wanyuan

from . import selectors
from .models import Application, PublicNotice

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
TABLE_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"


@dataclass(frozen=True)
class NoticeRow:
    number: int
    applicant: str
    project: str
    amount: Decimal | None

    @property
    def amount_text(self) -> str:
        return amount_wan(self.amount)


def amount_wan(yuan: Decimal | None) -> str:
    """An amount in 元 written as a bare number of 万元 (the column header names the unit)."""
    return "—" if yuan is None else wanyuan(yuan).removesuffix("万元")


def issuer_name(county: Region) -> str:
    """The issuing bureau printed under the notice."""
    return _("%(county)s经信科技局") % {"county": county.name}


def headers() -> list[str]:
    return [_("序号"), _("单位（人）"), _("项目"), _("金额（万元）")]


def _project(application: Application, purpose: str) -> str:
    if purpose == PublicNotice.Purpose.PAYMENT:
        items = [item.rule.item for item in application.claim_items.all()]
        if items:
            return "、".join(dict.fromkeys(items))
    return application.title or application.programme.name


def _amount(application: Application, purpose: str) -> Decimal | None:
    """The county money the notice is about: a claim's decided amount, an award's matching funds;
    for a recommendation, the support applied for."""
    if purpose == PublicNotice.Purpose.PAYMENT:
        if application.decided_amount is not None:
            return application.decided_amount
        award = getattr(application, "award", None)
        return award.matching_amount if award is not None and award.matching_amount else None
    return application.requested_amount


def notice_rows(notice: PublicNotice) -> list[NoticeRow]:
    return [
        NoticeRow(i, a.applicant_name, _project(a, notice.purpose), _amount(a, notice.purpose))
        for i, a in enumerate(selectors.notice_applications(notice=notice), start=1)
    ]


def notice_total(rows: list[NoticeRow]) -> Decimal | None:
    amounts = [r.amount for r in rows if r.amount is not None]
    return sum(amounts, Decimal(0)) if amounts else None


def period_text(notice: PublicNotice) -> str:
    return _("公示期：%(start)s至%(end)s（%(n)s个工作日）") % {
        "start": chinese_date(notice.published_on),
        "end": chinese_date(notice.ends_on),
        "n": notice.working_days,
    }


def contact_text(notice: PublicNotice) -> str:
    if not notice.contact:
        return ""
    return _("异议受理联系方式：%(c)s") % {"c": notice.contact}


def body_paragraphs(notice: PublicNotice) -> list[str]:
    return [line.strip() for line in (notice.body or "").splitlines() if line.strip()]


def notice_filename(notice: PublicNotice, suffix: str) -> str:
    safe = "".join(ch for ch in notice.title if ch not in '\\/:*?"<>|\r\n\t')[:80] or _("公示")
    return f"{safe}.{suffix}"


# --- Word -----------------------------------------------------------------------------------------------------


def _set_fonts(run: Any, east_asian: str, size_pt: float, *, bold: bool = False) -> None:
    """Set the run's fonts in the XML, East Asian included (w:eastAsia), whether or not the fonts are
    installed here: Word on the reader's machine picks them up."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run.font.name = LATIN_FONT
    r_pr = run._element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:ascii"), LATIN_FONT)
    r_fonts.set(qn("w:hAnsi"), LATIN_FONT)
    r_fonts.set(qn("w:eastAsia"), east_asian)


def _paragraph(
    doc: Any,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = 16,
    align: Any = None,
    indent: bool = False,
    bold: bool = False,
    space_after: float = 0,
) -> Any:
    from docx.shared import Pt

    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(28)  # 公文: fixed 28 pt lines for 三号 text
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(space_after)
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    _set_fonts(paragraph.add_run(text), font, size, bold=bold)
    return paragraph


def _cell_text(cell: Any, text: str, *, bold: bool = False, align: Any = None) -> None:
    from docx.shared import Pt

    paragraph, *extra = cell.paragraphs  # a merged cell brings the paragraphs of each part
    for other in extra:
        other._element.getparent().remove(other._element)
    for run in paragraph.runs:
        run._element.getparent().remove(run._element)
    paragraph.paragraph_format.space_after = Pt(0)
    if align is not None:
        paragraph.alignment = align
    _set_fonts(paragraph.add_run(text), TABLE_FONT, 12, bold=bold)


def notice_docx(notice: PublicNotice) -> bytes:
    """The 公示 as a .docx: A4, centred title in 小标宋 二号, body in 仿宋 三号, the list as a table with a
    header row, the period and contact, then the issuing bureau and date on the right."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    doc.core_properties.title = notice.title
    doc.core_properties.author = issuer_name(notice.county)

    _paragraph(doc, notice.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=16)
    for text in body_paragraphs(notice):
        _paragraph(doc, text, indent=True)

    rows = notice_rows(notice)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Mm(14), Mm(62), Mm(58), Mm(22)]
    for cell, title, width in zip(table.rows[0].cells, headers(), widths, strict=True):
        _cell_text(cell, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.width = width
    # Repeat the header row on every page of a long list.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    for row in rows:
        cells = table.add_row().cells
        _cell_text(cells[0], str(row.number), align=WD_ALIGN_PARAGRAPH.CENTER)
        _cell_text(cells[1], row.applicant)
        _cell_text(cells[2], row.project)
        _cell_text(cells[3], row.amount_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
    total = notice_total(rows)
    if total is not None and len(rows) > 1:
        cells = table.add_row().cells
        merged = cells[0].merge(cells[2])
        _cell_text(
            merged, _("合计（%(n)s项）") % {"n": len(rows)}, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
        )
        _cell_text(cells[3], amount_wan(total), bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)

    _paragraph(doc, "", space_after=0)
    _paragraph(doc, period_text(notice), indent=True)
    contact = contact_text(notice)
    if contact:
        _paragraph(doc, contact, indent=True)
    _paragraph(doc, "")
    _paragraph(doc, issuer_name(notice.county), align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, chinese_date(notice.published_on), align=WD_ALIGN_PARAGRAPH.RIGHT)

    output = io.BytesIO()
    doc.save(output)
    return output.getvalue()


# --- Excel ----------------------------------------------------------------------------------------------------


def notice_xlsx(notice: PublicNotice) -> bytes:
    """The 公示 list as one sheet: title, period, the table with its header row, total, issuer. Every text
    cell is neutralised (a name beginning with = + - @ cannot become a formula)."""
    from kechuang.imports import excel

    rows = notice_rows(notice)
    output = io.BytesIO()
    book = excel._new_book(output)
    base = {"font_name": "仿宋", "font_size": 12, "valign": "vcenter"}
    title_fmt = book.add_format(
        {**base, "font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}
    )
    text_fmt = book.add_format({**base, "text_wrap": True})
    th_fmt = book.add_format({**base, "bold": True, "border": 1, "align": "center", "bg_color": "#DDEBF7"})
    td_fmt = book.add_format({**base, "border": 1, "text_wrap": True})
    no_fmt = book.add_format({**base, "border": 1, "align": "center"})
    money_fmt = book.add_format({**base, "border": 1, "num_format": "#,##0.00"})
    total_fmt = book.add_format({**base, "border": 1, "bold": True, "align": "center"})
    total_money_fmt = book.add_format({**base, "border": 1, "bold": True, "num_format": "#,##0.00"})
    right_fmt = book.add_format({**base, "align": "right"})

    sheet = book.add_worksheet(_("公示名单"))
    sheet.set_paper(9)  # A4
    sheet.set_column(0, 0, 7)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 36)
    sheet.set_column(3, 3, 14)

    def text(row: int, col: int, value: str, fmt: Any) -> None:
        sheet.write_string(row, col, excel.neutralise(str(value)), fmt)

    sheet.merge_range(0, 0, 0, 3, excel.neutralise(notice.title), title_fmt)
    sheet.set_row(0, 30)
    sheet.merge_range(1, 0, 1, 3, excel.neutralise(period_text(notice)), text_fmt)
    header_row = 3
    for col, title in enumerate(headers()):
        text(header_row, col, title, th_fmt)
    row_index = header_row
    for row in rows:
        row_index += 1
        sheet.write_number(row_index, 0, row.number, no_fmt)
        text(row_index, 1, row.applicant, td_fmt)
        text(row_index, 2, row.project, td_fmt)
        if row.amount is None:
            text(row_index, 3, "—", td_fmt)
        else:
            sheet.write_number(row_index, 3, float(row.amount / 10_000), money_fmt)
    total = notice_total(rows)
    if total is not None:
        row_index += 1
        sheet.merge_range(row_index, 0, row_index, 2, _("合计（%(n)s项）") % {"n": len(rows)}, total_fmt)
        sheet.write_number(row_index, 3, float(total / 10_000), total_money_fmt)
    row_index += 2
    contact = contact_text(notice)
    if contact:
        sheet.merge_range(row_index, 0, row_index, 3, excel.neutralise(contact), text_fmt)
        row_index += 2
    sheet.merge_range(row_index, 0, row_index, 3, excel.neutralise(issuer_name(notice.county)), right_fmt)
    sheet.merge_range(row_index + 1, 0, row_index + 1, 3, chinese_date(notice.published_on), right_fmt)
    sheet.repeat_rows(header_row)
    sheet.freeze_panes(header_row + 1, 0)
    book.close()
    return output.getvalue()
