"""Writing the summary: default prose per section, placeholders resolved against the figure registry (live)
or the frozen snapshot, freezing, and comparing a frozen summary with today's figures.

A placeholder is `{figure.key}` in the prose; it renders as the figure's sentence (Figure.text)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import audit, edits, permissions
from kechuang.core.models import Region

from .figures import PROSE, REGISTRY, SECTIONS, Figure, Period, compute_all
from .models import Summary

PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z0-9_]+)\}")
CHINESE_NUMERALS = "一二三四五六七八九十"

# The bureau's usual opening of each section is contributed by the stream's app (<app>/sections.py,
# kechuang.reports.figures.section_prose). Sections whose stream has no figures yet say so plainly
# (DOMAIN.md: nothing invented).
NO_DATA = "本部分工作尚未纳入平台管理，暂无可引用的数据。"

# The parts of a summary besides the eight stream sections ("1"…"8"), in the seed's shape: an opening
# paragraph, then the sections, then two parts staff write — the problems and the next year's thinking.
OPENING, PROBLEMS, NEXT = "opening", "problems", "next"
CLOSING = {PROBLEMS: gettext_lazy("存在的问题"), NEXT: gettext_lazy("下一步工作思路")}
PART_LABELS = {OPENING: gettext_lazy("开头语"), **CLOSING}
PART_KEYS = [OPENING, *(str(n) for n in SECTIONS), *CLOSING]
MAX_PART_CHARS = 20_000


def default_opening(period: Period | None) -> str:
    """The opening paragraph staff start from (they usually rewrite it): the period and what follows."""
    when = period.label if period is not None else _("今年")
    return _(
        "%(p)s，我局坚持以企业为创新主体，抓政策落实、抓主体培育、抓项目争取、抓研发投入，"
        "推动全县科技创新各项工作有序开展。现将主要工作情况总结如下。"
    ) % {"p": when}


def default_sections(period: Period | None = None) -> dict[str, str]:
    """The prose a new summary starts from: the opening, each stream's registered default prose
    (kechuang.reports.figures.section_prose, contributed by the stream's app), and the two closing parts
    empty for staff to write."""
    keys = set(REGISTRY)
    sections = {OPENING: default_opening(period)}
    for number in SECTIONS:
        prose = PROSE.get(number, "")
        # Keep a default paragraph only when every figure it names is registered.
        if prose and all(k in keys for k in PLACEHOLDER.findall(prose)):
            sections[str(number)] = prose
        else:
            sections[str(number)] = NO_DATA
    sections.update({key: "" for key in CLOSING})
    return sections


def default_title(county: Region, period: Period) -> str:
    return _("%(c)s经信科技局%(p)s科技工作总结") % {"c": county.name, "p": period.label}


def part_label(key: str) -> str:
    """开头语, 政策激励, …, 存在的问题, 下一步工作思路."""
    if key in PART_LABELS:
        return str(PART_LABELS[key])
    return str(SECTIONS.get(int(key), key)) if key.isdigit() else key


def validate_sections(sections: dict[str, str]) -> dict[str, str]:
    """The opening, eight sections and the two closing parts; every placeholder must name a registered
    figure. A part the dict leaves out is empty; a key that is none of them is refused."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    unknown_parts = [str(k) for k in sections if str(k) not in PART_KEYS]
    if unknown_parts:
        errors["sections"] = _("没有这些部分：%(k)s（应为 %(all)s）") % {
            "k": "、".join(unknown_parts), "all": "、".join(PART_KEYS)
        }  # fmt: skip
    for key in PART_KEYS:
        text = str(sections.get(key, "") or "").replace("\r\n", "\n").strip()
        field_name = f"section_{key}"
        unknown = [k for k in PLACEHOLDER.findall(text) if k not in REGISTRY]
        if unknown:
            errors[field_name] = _("未知的数据项：%(k)s") % {"k": "、".join(unknown)}
        if len(text) > MAX_PART_CHARS:
            errors[field_name] = _("每部分不超过两万字。")
        cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- services -------------------------------------------------------------------------------------------


def _require_staff(by: Any, county: Region, action: str, obj: Model | None = None) -> None:
    permissions.require(permissions.is_county_staff(by, county.pk), by, action, obj, what="reports.summary")


def summary_create(*, by: Any, county: Region, period: Period, title: str = "") -> Summary:
    _require_staff(by, county, "create summary")
    if county.level != Region.Level.COUNTY:
        raise ValidationError(_("工作总结按县（市、区）编写。"))
    if _series(county.pk, period.start, period.end).exists():
        raise ValidationError(
            _("%(c)s%(p)s的工作总结已存在；已定稿的请在原总结上“修订”。")
            % {"c": county.name, "p": period.label}
        )
    summary = Summary(
        county=county, period_start=period.start, period_end=period.end,
        title=title.strip() or default_title(county, period), sections=default_sections(period), created_by=by,
    )  # fmt: skip
    summary.full_clean()
    with transaction.atomic():
        _insert(summary, _("%(c)s%(p)s的工作总结已存在。") % {"c": county.name, "p": period.label})
        audit.record("create", by=by, obj=summary, after=audit.snapshot(summary))
    return summary


def _series(county_code: str, start: Any, end: Any) -> QuerySet[Summary]:
    """Every version of one county's summary of one period."""
    return Summary.objects.filter(county_id=county_code, period_start=start, period_end=end)


def versions(summary: Summary) -> list[Summary]:
    """All versions of a summary's county and period, first to latest."""
    return list(
        _series(summary.county_id, summary.period_start, summary.period_end)
        .select_related("frozen_by", "created_by")
        .order_by("version")
    )


def latest_version(summary: Summary) -> Summary:
    return (
        _series(summary.county_id, summary.period_start, summary.period_end).order_by("-version").first()
        or summary
    )


def _insert(summary: Summary, taken: str) -> None:
    """Save a new row; a concurrent twin (the unique constraints) is refused, not a 500."""
    try:
        with transaction.atomic():
            summary.save()
    except IntegrityError:
        raise ValidationError(taken) from None


PROSE_FIELDS = ["title", "sections"]


def summary_update(
    *,
    by: Any,
    summary: Summary,
    title: str,
    sections: dict[str, str],
    loaded: edits.Loaded | edits.IfMatch | None = None,
) -> Summary:
    """Change a draft's title and prose: core's compare-and-set (kechuang.core.edits), so of two staff
    editing at once the one who saves second is told who changed what, and nothing is lost. A frozen
    version never changes, whichever path asks (a second POST of the editor, an old tab): the state is
    checked on the locked row, and only the prose fields are written, so a stale copy cannot unfreeze it."""
    _require_staff(by, summary.county, "update summary", summary)
    if summary.is_frozen:
        raise ValidationError(_("已定稿的工作总结不能修改；如需更正，请“修订”生成新版本。"), code="frozen")
    cleaned = validate_sections(sections)

    def still_a_draft(current: Summary, changed: list[str]) -> None:
        if current.is_frozen:
            raise ValidationError(
                _("已定稿的工作总结不能修改；如需更正，请“修订”生成新版本（原版本保持定稿不变）。"),
                code="frozen",
            )

    data: dict[str, Any] = {"sections": cleaned}
    if (title or "").strip():
        data["title"] = title.strip()
    current = edits.update(summary, by=by, data=data, loaded=loaded, prepare=still_a_draft)
    summary.title, summary.sections, summary.updated_at = current.title, current.sections, current.updated_at
    return summary


def _evidence(figure: Figure) -> dict[str, Any]:
    model = figure.evidence_model
    return {"model": model._meta.label_lower if model else "", "ids": [str(i) for i in figure.evidence_ids]}


FROZEN_FIELDS = ("state", "snapshot", "frozen_at", "frozen_by_id")


def summary_freeze(*, by: Any, summary: Summary) -> Summary:
    """Fix every figure's value, text and evidence ids as of now (audited); the prose can't change after.
    What `freeze_warnings` finds does not stop the freeze (the page lists it first); the audit event keeps
    it. Freezing twice is refused: the write is a compare-and-set on state=draft, so of two concurrent
    freezes exactly one wins and only one event is recorded."""
    _require_staff(by, summary.county, "freeze summary", summary)
    if summary.is_frozen:
        raise ValidationError(_("该工作总结已定稿。"), code="frozen")
    figures = compute_all(summary.county, period_of(summary))  # once: the warnings read the same values
    warnings = freeze_warnings(summary, render(summary, figures=figures))
    snapshot = {
        f.key: {"value": f.as_json()["value"], "unit": f.unit, "text": f.text, "label": f.label,
                "section": f.section, "evidence": _evidence(f)}
        for f in figures
    }  # fmt: skip
    with transaction.atomic():
        current = Summary.objects.select_for_update().get(pk=summary.pk)
        if current.is_frozen:
            raise ValidationError(_("该工作总结已定稿。"), code="frozen")
        before = {k: audit.snapshot(current)[k] for k in FROZEN_FIELDS}
        now = timezone.now()
        written = Summary.objects.filter(pk=current.pk, state=Summary.State.DRAFT).update(
            state=Summary.State.FROZEN, snapshot=snapshot, frozen_at=now, frozen_by=by, updated_at=now
        )
        if written != 1:
            raise ValidationError(_("该工作总结已定稿。"), code="frozen")
        current.refresh_from_db()
        after: dict[str, Any] = {k: audit.snapshot(current)[k] for k in FROZEN_FIELDS}
        after["warnings"] = warnings  # what staff were shown and froze with
        audit.record("freeze", by=by, obj=current, before=before, after=after)
    for name in ("state", "snapshot", "frozen_at", "frozen_by", "updated_at"):
        setattr(summary, name, getattr(current, name))
    summary.froze_with = warnings
    return summary


def summary_revise(*, by: Any, summary: Summary, reason: str) -> Summary:
    """Open version N+1 of a frozen summary: a draft with the same title and prose (figures live again)
    and the reason for revising. Version N stays frozen, unchanged and comparable. Only the latest version
    can be revised, so a county and period never has two drafts; the same staff who freeze may revise."""
    _require_staff(by, summary.county, "revise summary", summary)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写修订原因。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("修订原因不超过500字。")})
    with transaction.atomic():
        current = Summary.objects.select_for_update().get(pk=summary.pk)
        if not current.is_frozen:
            raise ValidationError(_("草稿可直接编辑，定稿后才需要修订。"), code="draft")
        latest = latest_version(current)
        if latest.pk != current.pk:
            raise ValidationError(
                _("该总结已有%(v)s（%(s)s），请在最新版本上修订。")
                % {"v": latest.version_label, "s": latest.get_state_display()},
                code="superseded",
            )
        revision = Summary(
            county_id=current.county_id, period_start=current.period_start, period_end=current.period_end,
            title=current.title, sections=dict(current.sections), version=current.version + 1,
            revises=current, revision_reason=reason, created_by=by,
        )  # fmt: skip
        revision.full_clean(validate_constraints=False)  # the insert checks them, racing twins included
        _insert(revision, _("该总结已有人在修订，请刷新页面查看最新版本。"))
        audit.record(
            "revise", by=by, obj=revision, before={"version": current.version, "id": current.pk},
            after=audit.snapshot(revision),
            detail=_("修订“%(t)s”%(v)s，原因：%(r)s") % {"t": current.title, "v": current.version_label, "r": reason},
        )  # fmt: skip
    return revision


# --- what a frozen summary fixes -------------------------------------------------------------------------------


def standing_frozen(county_code: str) -> QuerySet[Summary]:
    """A county's frozen summaries that are the latest of their period (not under revision)."""
    return Summary.objects.filter(
        county_id=county_code, state=Summary.State.FROZEN, revised_by__isnull=True
    ).order_by("period_start", "period_end")


def quoted_by(obj: Model, county_code: str) -> Summary | None:
    """The standing frozen summary of the county whose snapshot counts this record as evidence, if any."""
    label, pk = obj._meta.label_lower, str(obj.pk)
    for summary in standing_frozen(county_code):
        for entry in summary.snapshot.values():
            evidence = entry.get("evidence") or {}
            if evidence.get("model") == label and pk in evidence.get("ids", ()):
                return summary
    return None


def year_frozen(county_code: str, year: int) -> Summary | None:
    """The county's standing frozen summary of the whole year, if any."""
    return (
        standing_frozen(county_code)
        .filter(period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31))
        .first()
    )


def require_not_fixed(obj: Model | None, *, county_code: str, year: int | None, what: str) -> None:
    """Refuse a change a standing frozen summary rests on: a record its figures quoted, or (with `year`) a
    record of a year whose full-year summary is frozen. The way to correct one is to revise the summary
    first (修订): the frozen version keeps what it said, the new version quotes the corrected record."""
    summary = quoted_by(obj, county_code) if obj is not None and obj.pk is not None else None
    if summary is None and year is not None:
        summary = year_frozen(county_code, year)
    if summary is not None:
        raise ValidationError(
            _("“%(s)s”已定稿，%(w)s是其依据，不能再改动。如需更正，请先在该总结上“修订”生成新版本，再修改；"
              "原定稿版本保持不变。") % {"s": summary, "w": what},
            code="frozen",
        )  # fmt: skip


def period_of(summary: Summary) -> Period:
    return Period(summary.period_start, summary.period_end)


# --- rendering -------------------------------------------------------------------------------------------


@dataclass
class FigureRef:
    key: str
    text: str
    label: str
    value: Any
    unit: str
    evidence_count: int


@dataclass
class Unresolved:
    """A placeholder whose figure no longer exists (a draft saved before a figure was withdrawn): the page
    shows it as typed, so staff see it; printed files leave it out."""

    key: str

    @property
    def text(self) -> str:
        return "{" + self.key + "}"


Part = str | FigureRef | Unresolved


@dataclass
class Paragraph:
    parts: list[Part]

    @property
    def plain(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)

    @property
    def is_placeholder(self) -> bool:
        """The default sentence of a section whose stream has no data yet (NO_DATA): a note, not prose."""
        return self.plain.strip() == NO_DATA

    def printable(self, *, only_with_records: bool = False) -> Paragraph | None:
        """The paragraph as a printed document carries it: unresolved placeholders dropped (with the
        punctuation left dangling by them tidied), None when nothing is left to print. `only_with_records`
        (the default prose of a section) also drops the sentences of figures without records ("本期未…"),
        and the whole paragraph when none of its figures has any: a bureau leaves out what it did not do."""
        if self.is_placeholder:
            return None
        if only_with_records:
            figures = [p for p in self.parts if isinstance(p, FigureRef)]
            if figures and not any(f.evidence_count for f in figures):
                return None
        parts: list[Part] = [
            p
            for p in self.parts
            if not isinstance(p, Unresolved)
            and not (only_with_records and isinstance(p, FigureRef) and not p.evidence_count)
        ]
        if len(parts) != len(self.parts):
            parts = _tidy(parts)
        if not "".join(p if isinstance(p, str) else p.text for p in parts).strip("，。；、 "):
            return None
        return Paragraph(parts)


_DOUBLED = re.compile(r"[，；、]+(?=[，；、。])")


def _tidy(parts: list[Part]) -> list[Part]:
    """Punctuation a dropped placeholder left doubled ("甲，，乙" → "甲，乙"; "甲，。" → "甲。")."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    tidied: list[Part] = []
    for i, part in enumerate(merged):
        if isinstance(part, str):
            part = _DOUBLED.sub("", part)
            if i == 0:
                part = part.lstrip("，；、")
        if part != "":
            tidied.append(part)
    return tidied


_ORDINAL = re.compile(r"^[一二三四五六七八九十]是")


def _renumbered(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """ "一是…", "三是…" → "一是…", "二是…" once a paragraph between them was left out."""
    if not all(p.parts and isinstance(p.parts[0], str) and _ORDINAL.match(p.parts[0]) for p in paragraphs):
        return paragraphs
    return [
        Paragraph([_ORDINAL.sub(f"{CHINESE_NUMERALS[n]}是", str(p.parts[0]), count=1), *p.parts[1:]])
        for n, p in enumerate(paragraphs)
    ]


@dataclass
class Section:
    """One part of the summary: a stream section (number 1–8, headed "（一）政策激励工作"), or the
    opening (no heading) or a closing part (number 0; its level-1 heading is set by the outline)."""

    number: int
    title: str
    paragraphs: list[Paragraph]
    has_data: bool  # a figure quoted here counts at least one record
    key: str = ""
    written: bool = False  # staff's own prose: neither empty, nor the "no data yet" note, nor the default

    @property
    def heading(self) -> str:
        if not self.number:
            return self.title
        return f"（{CHINESE_NUMERALS[self.number - 1]}）{self.title}工作"

    @property
    def printed_paragraphs(self) -> list[Paragraph]:
        """What a printed document says: staff's own prose as written; a stream's default prose only
        where its figures have records, its "一是、二是…" renumbered over the paragraphs kept."""
        default = bool(self.number) and not self.written
        kept = [p for p in (para.printable(only_with_records=default) for para in self.paragraphs) if p]
        return _renumbered(kept) if default else kept

    @property
    def has_figures(self) -> bool:
        return any(isinstance(p, FigureRef) for para in self.paragraphs for p in para.parts)

    @property
    def printed(self) -> bool:
        """A printed document carries the section when it has data or staff wrote it; a stream section
        that is still its default prose around figures without records, or the note that the stream has
        no data yet, is left out rather than printed as a page of "暂无"."""
        return bool(self.printed_paragraphs) and (self.has_data or self.written or not self.number)


@dataclass
class Block:
    """A heading or a part in the order a document prints them (see `outline`)."""

    heading: str
    level: int  # 0 the opening (no heading), 1 "一、…", 2 "（一）…"
    section: Section | None
    paragraphs: list[Paragraph]


@dataclass
class Rendered:
    summary: Summary
    period: Period
    sections: list[Section]
    figures: dict[str, FigureRef] = field(default_factory=dict)
    frozen: bool = False
    opening: Section | None = None
    closing: list[Section] = field(default_factory=list)

    @property
    def parts(self) -> list[Section]:
        """Every part in order: the opening, the eight sections, the closing parts."""
        return [*([self.opening] if self.opening else []), *self.sections, *self.closing]

    def outline(self, *, printing: bool = False) -> list[Block]:
        """The document's structure. On the page every part shows, numbered as stored. Printed (Word,
        HTML, Markdown), a section with neither figures nor prose of its own is left out, the sections are
        numbered one after another, and no placeholder sentence or unresolved {placeholder} is printed.
        When the problems or the next steps are written the document takes the usual three level-1
        headings: 一、<period>主要工作 (the sections under it), 二、存在的问题, 三、下一步工作思路."""

        def body(section: Section) -> list[Paragraph]:
            if not printing:
                return section.paragraphs
            return section.printed_paragraphs if section.printed else []

        blocks: list[Block] = []
        if self.opening is not None and (body(self.opening) or not printing):
            blocks.append(Block("", 0, self.opening, body(self.opening)))
        closing = [c for c in self.closing if body(c) or not printing]
        streams = [s for s in self.sections if not printing or body(s)]
        level1 = iter(CHINESE_NUMERALS)
        if closing and streams:
            blocks.append(
                Block(_("%(n)s、%(p)s主要工作") % {"n": next(level1), "p": self.period.label}, 1, None, [])
            )
        for n, section in enumerate(streams, start=1):
            number = n if printing else section.number
            heading = f"（{CHINESE_NUMERALS[number - 1]}）{section.title}工作"
            blocks.append(Block(heading, 2, section, body(section)))
        for section in closing:
            blocks.append(Block(f"{next(level1)}、{section.title}", 1, section, body(section)))
        return blocks


def figure_refs(summary: Summary, figures: list[Figure] | None = None) -> dict[str, FigureRef]:
    """The figures a summary quotes: the snapshot once frozen, live from the registry before (`figures`
    when the caller has computed them already)."""
    if summary.is_frozen:
        return {
            key: FigureRef(key, f["text"], f["label"], f["value"], f["unit"], len(f["evidence"]["ids"]))
            for key, f in summary.snapshot.items()
        }
    if figures is None:
        figures = compute_all(summary.county, period_of(summary))
    return {f.key: FigureRef(f.key, f.text, f.label, f.json_value, f.unit, f.evidence_count) for f in figures}


def _paragraphs(text: str, refs: dict[str, FigureRef]) -> list[Paragraph]:
    paragraphs = []
    for line in [ln.strip() for ln in text.split("\n") if ln.strip()]:
        parts: list[Part] = []
        position = 0
        for match in PLACEHOLDER.finditer(line):
            if match.start() > position:
                parts.append(line[position : match.start()])
            ref = refs.get(match[1])
            parts.append(ref if ref is not None else Unresolved(match[1]))
            position = match.end()
        if position < len(line):
            parts.append(line[position:])
        paragraphs.append(Paragraph(_joined(parts)))
    return paragraphs


_PUNCTUATION = "。，；、：！？"


def _joined(parts: list[Part]) -> list[Part]:
    """Where a figure's sentence meets the prose around it, one mark of punctuation, not two: a figure
    ending "……项目。" before the prose's "。" reads "……项目。", not "……项目。。" (nor "。，"); and an
    empty "（）" left in the prose goes."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, str):
            before = out[-1] if out else None
            if (
                isinstance(before, FigureRef)
                and before.text[-1:] in _PUNCTUATION
                and part[:1] in _PUNCTUATION
            ):
                part = part[1:]
            part = part.replace("（）", "").replace("()", "")
            if not part:
                continue
        out.append(part)
    return out


def _normal(text: str) -> str:
    return "\n".join(ln.strip() for ln in (text or "").replace("\r\n", "\n").split("\n") if ln.strip())


def _section(
    number: int, title: str, key: str, text: str, refs: dict[str, FigureRef], default: str = ""
) -> Section:
    paragraphs = _paragraphs(text, refs)
    has_data = any(isinstance(p, FigureRef) and p.evidence_count for para in paragraphs for p in para.parts)
    written = _normal(text) not in ("", NO_DATA, _normal(default))
    return Section(number, title, paragraphs, has_data, key, written)


def render(summary: Summary, *, figures: list[Figure] | None = None) -> Rendered:
    """The summary with its figures' sentences in place. A summary saved before the opening and the
    closing parts existed has none: they render empty."""
    refs = figure_refs(summary, figures)
    stored = summary.sections or {}
    sections = [
        _section(
            number, str(title), str(number), stored.get(str(number), "") or "", refs, PROSE.get(number, "")
        )
        for number, title in SECTIONS.items()
    ]
    opening = _section(0, str(PART_LABELS[OPENING]), OPENING, stored.get(OPENING, "") or "", refs)
    closing = [
        _section(0, str(label), key, stored.get(key, "") or "", refs) for key, label in CLOSING.items()
    ]
    return Rendered(summary, period_of(summary), sections, refs, summary.is_frozen, opening, closing)


def freeze_warnings(summary: Summary, rendered: Rendered | None = None) -> list[str]:
    """What staff should look at before freezing (the page lists it, the freeze is recorded with it):
    sections with neither figures nor prose (left out of the Word file), figures quoted without any
    evidence record, placeholders whose figure no longer exists, and the closing parts not yet written.
    None of these blocks freezing: streams without a register yet (5, 7, 8) are normal."""
    rendered = rendered or render(summary)
    warnings: list[str] = []
    for section in rendered.sections:
        if section.has_data:
            continue
        if section.written:
            warnings.append(_("%(h)s：暂无数据，正文为科室撰写，将照印。") % {"h": section.heading})
        else:
            warnings.append(
                _("%(h)s：暂无数据，也未填写正文，Word 文件中将略去本部分。") % {"h": section.heading}
            )
    for part in rendered.parts:
        if part.number and not part.printed:
            continue  # said above: the whole section is left out
        seen: set[str] = set()
        for paragraph in part.paragraphs:
            for piece in paragraph.parts:
                where = part.heading if part.number else part.title
                if isinstance(piece, FigureRef) and not piece.evidence_count and piece.key not in seen:
                    seen.add(piece.key)
                    # default prose leaves the sentence out when printed (Section.printed_paragraphs)
                    text = (
                        _("%(h)s：数据项“%(l)s”没有依据记录（%(t)s），导出时略去该句。")
                        if part.number and not part.written
                        else _("%(h)s：数据项“%(l)s”没有依据记录（%(t)s）。")
                    )
                    warnings.append(text % {"h": where, "l": piece.label, "t": piece.text})
                elif isinstance(piece, Unresolved):
                    warnings.append(
                        _("%(h)s：数据项 {%(k)s} 已不存在，导出时将略去。") % {"h": where, "k": piece.key}
                    )
    for section in rendered.closing:
        if not section.written:
            warnings.append(_("“%(t)s”尚未填写。") % {"t": section.title})
    return warnings


@dataclass
class Change:
    key: str
    label: str
    frozen: str
    live: str


def compare(summary: Summary) -> list[Change]:
    """What changed in the records since freezing: each figure whose sentence differs today."""
    if not summary.is_frozen:
        return []
    live = {f.key: f for f in compute_all(summary.county, period_of(summary))}
    changes = []
    for key, frozen in summary.snapshot.items():
        now = live.get(key)
        if now is None or now.text != frozen["text"]:
            changes.append(
                Change(key, frozen["label"], frozen["text"], now.text if now else _("（该数据项已不存在）"))
            )
    return changes


# --- comparing two versions ---------------------------------------------------------------------------------

Segment = tuple[bool, str]  # (changed, text)


@dataclass
class ProseRow:
    """A paragraph of version A beside its counterpart in version B; None where one has no counterpart."""

    a: list[Segment] | None
    b: list[Segment] | None

    @property
    def changed(self) -> bool:
        return any(changed for side in (self.a or [], self.b or []) for changed, _t in side) or (
            (self.a is None) != (self.b is None)
        )


@dataclass
class SectionDiff:
    number: int
    heading: str
    rows: list[ProseRow]

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.rows)


@dataclass
class FigureDiff:
    key: str
    label: str
    section: int
    a: str
    b: str


@dataclass
class VersionComparison:
    a: Summary
    b: Summary
    title: tuple[str, str]
    sections: list[SectionDiff]
    figures: list[FigureDiff]
    figure_count: int

    @property
    def prose_changed(self) -> bool:
        return self.title[0] != self.title[1] or any(s.changed for s in self.sections)


def _segments(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    """The two texts cut into unchanged and changed runs (characters: Chinese has no spaces to split on)."""
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append((False, a[i1:i2]))
            right.append((False, b[j1:j2]))
            continue
        if i2 > i1:
            left.append((True, a[i1:i2]))
        if j2 > j1:
            right.append((True, b[j1:j2]))
    return left, right


def _prose_rows(a: list[str], b: list[str]) -> list[ProseRow]:
    rows: list[ProseRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(ProseRow([(False, p)], [(False, p)]) for p in a[i1:i2])
            continue
        left, right = a[i1:i2], b[j1:j2]
        for n in range(max(len(left), len(right))):
            pa = left[n] if n < len(left) else None
            pb = right[n] if n < len(right) else None
            if pa is not None and pb is not None:
                rows.append(ProseRow(*_segments(pa, pb)))
            else:
                rows.append(
                    ProseRow(None if pa is None else [(True, pa)], None if pb is None else [(True, pb)])
                )
    return rows


def compare_versions(a: Summary, b: Summary) -> VersionComparison:
    """Two versions of one county and period side by side: the text each says (prose with its figures, as
    each renders: a frozen version from its snapshot, a draft live) and every figure whose sentence differs."""
    if (a.county_id, a.period_start, a.period_end) != (b.county_id, b.period_start, b.period_end):
        raise ValidationError(_("只能比较同一份总结的不同版本。"))
    ra, rb = render(a), render(b)
    sections = [
        SectionDiff(
            sa.number,
            sa.heading,
            _prose_rows([p.plain for p in sa.paragraphs], [p.plain for p in sb.paragraphs]),
        )
        for sa, sb in zip(ra.parts, rb.parts, strict=True)
    ]
    missing = _("（无此数据项）")
    figures = []
    for key in dict.fromkeys([*ra.figures, *rb.figures]):
        fa, fb = ra.figures.get(key), rb.figures.get(key)
        if fa is not None and fb is not None and fa.text == fb.text:
            continue
        ref = fa or fb
        assert ref is not None
        section = a.snapshot.get(key, {}).get("section") or b.snapshot.get(key, {}).get("section")
        d = REGISTRY.get(key)
        figures.append(
            FigureDiff(key, ref.label, int(section or (d.section if d else 0)),
                       fa.text if fa else missing, fb.text if fb else missing)
        )  # fmt: skip
    order = {k: d.order for k, d in REGISTRY.items()}
    figures.sort(key=lambda f: (f.section, order.get(f.key, len(order))))
    return VersionComparison(a, b, (a.title, b.title), sections, figures, len({*ra.figures, *rb.figures}))


def evidence_queryset(summary: Summary, key: str) -> QuerySet:
    """The records behind a figure: the frozen ids once frozen, the live evidence before."""
    if summary.is_frozen:
        entry = summary.snapshot[key]["evidence"]
        if not entry["model"]:
            raise LookupError(key)
        model = apps.get_model(entry["model"])
        return model._default_manager.filter(pk__in=entry["ids"])
    from .figures import compute

    figure = compute(key, summary.county, period_of(summary))
    if figure.evidence is None:
        raise LookupError(key)
    return figure.evidence
