"""Writing the summary: default prose per section, placeholders resolved against the figure registry (live)
or the frozen snapshot, freezing, and comparing a frozen summary with today's figures.

A placeholder is `{figure.key}` in the prose; it renders as the figure's sentence (Figure.text)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, permissions
from kechuang.core.models import Region

from .figures import REGISTRY, SECTIONS, Figure, Period, compute_all
from .models import Summary

PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z0-9_]+)\}")
CHINESE_NUMERALS = "一二三四五六七八九十"

# The bureau's usual opening of each section; placeholders name registered figures. Sections whose
# stream has no figures yet say so plainly (DOMAIN.md: nothing invented).
DEFAULT_PROSE: dict[int, str] = {
    1: (
        "一是完善政策体系。{policy.documents}。\n"
        "二是抓好政策兑现。{policy.claims_enterprises}，{policy.claim_items}，{policy.money_paid}。\n"
        "三是用好科技创新券。{policy.vouchers_issued}，{policy.vouchers_redeemed}。"
    ),
    2: (
        "一是加强企业培育辅导。{entities.visits}。\n"
        "二是做好资质申报。{entities.applications}。\n"
        "三是扩大创新主体规模。{entities.new_qualifications}；{entities.sme_registered}。"
    ),
    3: (
        "一是积极组织项目申报。{projects.applications}。\n"
        "二是争取上级项目支持。{projects.approvals}，{projects.grants}。其中，{projects.largest}。"
    ),
    4: (
        "一是扎实做好科技统计。{rnd.returns_completed}。\n"
        "二是稳步提升研发投入。{rnd.official_rd}。{rnd.rd_ytd}。\n"
        "三是壮大高新技术产业。{rnd.high_tech_va}；{rnd.high_tech_share}；{rnd.above_scale_count}。\n"
        "四是抓好目标任务落实。{rnd.target_attainment}。"
    ),
    6: (
        "一是做好人才项目推荐。{talent.nominations}。\n"
        "二是加强创新团队服务保障。{talent.matching_paid}，{talent.checks_passed}。"
    ),
}
NO_DATA = "本部分工作尚未纳入平台管理，暂无可引用的数据。"


def default_sections() -> dict[str, str]:
    keys = set(REGISTRY)
    sections = {}
    for number in SECTIONS:
        prose = DEFAULT_PROSE.get(number, "")
        # Keep a default paragraph only when every figure it names is registered.
        if prose and all(k in keys for k in PLACEHOLDER.findall(prose)):
            sections[str(number)] = prose
        else:
            sections[str(number)] = NO_DATA
    return sections


def default_title(county: Region, period: Period) -> str:
    return _("%(c)s经信科技局%(p)s科技工作总结") % {"c": county.name, "p": period.label}


def validate_sections(sections: dict[str, str]) -> dict[str, str]:
    """Eight sections of text; every placeholder must name a registered figure."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for number in SECTIONS:
        text = str(sections.get(str(number), "") or "").replace("\r\n", "\n").strip()
        unknown = [k for k in PLACEHOLDER.findall(text) if k not in REGISTRY]
        if unknown:
            errors[f"section_{number}"] = _("未知的数据项：%(k)s") % {"k": "、".join(unknown)}
        if len(text) > 20_000:
            errors[f"section_{number}"] = _("每部分不超过两万字。")
        cleaned[str(number)] = text
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
    if Summary.objects.filter(county=county, period_start=period.start, period_end=period.end).exists():
        raise ValidationError(_("%(c)s%(p)s的工作总结已存在。") % {"c": county.name, "p": period.label})
    with transaction.atomic():
        summary = Summary(
            county=county, period_start=period.start, period_end=period.end,
            title=title.strip() or default_title(county, period), sections=default_sections(), created_by=by,
        )  # fmt: skip
        summary.full_clean()
        summary.save()
        audit.record("create", by=by, obj=summary, after=audit.snapshot(summary))
    return summary


def summary_update(*, by: Any, summary: Summary, title: str, sections: dict[str, str]) -> Summary:
    _require_staff(by, summary.county, "update summary", summary)
    if summary.is_frozen:
        raise ValidationError(_("已定稿的工作总结不能修改。"))
    cleaned = validate_sections(sections)
    with transaction.atomic():
        before = audit.snapshot(summary)
        summary.title = (title or "").strip() or summary.title
        summary.sections = cleaned
        summary.full_clean()
        summary.save()
        b, a = audit.changed_only(before, audit.snapshot(summary))
        audit.record("update", by=by, obj=summary, before=b, after=a)
    return summary


def _evidence(figure: Figure) -> dict[str, Any]:
    model = figure.evidence_model
    return {"model": model._meta.label_lower if model else "", "ids": [str(i) for i in figure.evidence_ids]}


def summary_freeze(*, by: Any, summary: Summary) -> Summary:
    """Fix every figure's value, text and evidence ids as of now (audited); the prose can't change after."""
    _require_staff(by, summary.county, "freeze summary", summary)
    if summary.is_frozen:
        raise ValidationError(_("该工作总结已定稿。"))
    figures = compute_all(summary.county, period_of(summary))
    with transaction.atomic():
        locked = Summary.objects.select_for_update().get(pk=summary.pk)
        if locked.is_frozen:
            raise ValidationError(_("该工作总结已定稿。"))
        summary.snapshot = {
            f.key: {"value": f.as_json()["value"], "unit": f.unit, "text": f.text, "label": f.label,
                    "section": f.section, "evidence": _evidence(f)}
            for f in figures
        }  # fmt: skip
        summary.state = Summary.State.FROZEN
        summary.frozen_at = timezone.now()
        summary.frozen_by = by
        summary.save()
        audit.record(
            "freeze", by=by, obj=summary, before={"state": Summary.State.DRAFT},
            after={"state": Summary.State.FROZEN, "figures": summary.snapshot},
        )  # fmt: skip
    return summary


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
class Paragraph:
    parts: list[str | FigureRef]

    @property
    def plain(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)


@dataclass
class Section:
    number: int
    title: str
    paragraphs: list[Paragraph]
    has_data: bool

    @property
    def heading(self) -> str:
        return f"{CHINESE_NUMERALS[self.number - 1]}、{self.title}"


@dataclass
class Rendered:
    summary: Summary
    period: Period
    sections: list[Section]
    figures: dict[str, FigureRef] = field(default_factory=dict)
    frozen: bool = False


def figure_refs(summary: Summary) -> dict[str, FigureRef]:
    """The figures a summary quotes: the snapshot once frozen, live from the registry before."""
    if summary.is_frozen:
        return {
            key: FigureRef(key, f["text"], f["label"], f["value"], f["unit"], len(f["evidence"]["ids"]))
            for key, f in summary.snapshot.items()
        }
    figures = compute_all(summary.county, period_of(summary))
    return {f.key: FigureRef(f.key, f.text, f.label, f.json_value, f.unit, f.evidence_count) for f in figures}


def render(summary: Summary) -> Rendered:
    refs = figure_refs(summary)
    sections = []
    for number, title in SECTIONS.items():
        text = summary.sections.get(str(number), "") or ""
        paragraphs = []
        for line in [ln.strip() for ln in text.split("\n") if ln.strip()]:
            parts: list[str | FigureRef] = []
            position = 0
            for match in PLACEHOLDER.finditer(line):
                if match.start() > position:
                    parts.append(line[position : match.start()])
                ref = refs.get(match[1])
                parts.append(ref if ref is not None else match[0])
                position = match.end()
            if position < len(line):
                parts.append(line[position:])
            paragraphs.append(Paragraph(parts))
        has_data = any(isinstance(p, FigureRef) for para in paragraphs for p in para.parts)
        sections.append(Section(number, title, paragraphs, has_data))
    return Rendered(summary, period_of(summary), sections, refs, summary.is_frozen)


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
