"""文号 (document numbers) of policy documents, per GB/T 9704-2012 §7.2.4: issuer abbreviation, the
year in hexagonal brackets 〔〕, the serial number without padding zeros, then 号 — `开经信〔2020〕80号`.
Announcements of the national ministries are numbered `财政部 税务总局公告2023年第7号`; both forms parse.
Square and lenticular brackets typed by mistake are accepted and written as 〔〕."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "［": "〔", "］": "〕"})
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")  # full-width digits, as pasted from PDFs
_STANDARD = re.compile(
    r"^(?P<issuer>[\u4e00-\u9fffA-Za-z（）()]{1,30})〔(?P<year>[0-9]{4})〕(?P<serial>[0-9]+)号$"
)
_ANNOUNCEMENT = re.compile(
    r"^(?P<issuer>[\u4e00-\u9fff ]{1,40}?)公告(?P<year>[0-9]{4})年第(?P<serial>[0-9]+)号$"
)
_ROUND_YEAR = re.compile(r"[（(] ?[0-9]{4} ?[）)]")


@dataclass(frozen=True)
class DocumentNumber:
    issuer: str
    year: int
    serial: int
    text: str


def parse_document_number(raw: str) -> DocumentNumber:
    text = re.sub(r"\s+", " ", (raw or "").strip()).translate(_BRACKETS).translate(_DIGITS)
    if not text:
        raise ValidationError(_("请填写文号，例如：开经信〔2020〕80号。"))
    match = _STANDARD.match(text.replace(" ", ""))
    if match is not None:
        text = text.replace(" ", "")  # spaces inside a standard number are stray (a PDF's line break)
    else:
        match = _ANNOUNCEMENT.match(text)
    if match is None:
        if _ROUND_YEAR.search(text):
            raise ValidationError(
                _("文号“%(t)s”的年份应使用六角括号〔〕，不能使用圆括号，例如：开经信〔2020〕80号。")
                % {"t": raw}
            )
        if "〔" not in text and "公告" not in text:
            raise ValidationError(
                _("文号“%(t)s”缺少用六角括号〔〕括起的年份，正确格式如：开经信〔2020〕80号。") % {"t": raw}
            )
        if not text.endswith("号"):
            raise ValidationError(_("文号“%(t)s”须以“号”结尾，例如：开经信〔2020〕80号。") % {"t": raw})
        raise ValidationError(
            _("文号“%(t)s”格式不正确：应为发文机关代字、〔四位年份〕、序号、“号”，例如：开经信〔2020〕80号。")
            % {"t": raw}
        )
    year, serial = int(match["year"]), match["serial"]
    if not 1949 <= year <= 2100:
        raise ValidationError(_("文号中的年份 %(y)s 不合理。") % {"y": year})
    if len(serial) > 6:
        raise ValidationError(_("文号序号“%(s)s”过长（最多 6 位）。") % {"s": serial})
    if int(serial) == 0:
        raise ValidationError(_("文号序号应从 1 开始（“%(t)s”）。") % {"t": raw})
    if serial.startswith("0"):
        raise ValidationError(
            _("文号序号“%(s)s”不应编虚位（不加前导0），应写作“%(n)s”。") % {"s": serial, "n": int(serial)}
        )
    issuer = match["issuer"].strip()
    return DocumentNumber(issuer=issuer, year=year, serial=int(serial), text=text)
