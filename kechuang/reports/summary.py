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

from kechuang.core import audit, edits, permissions
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
    if _series(county.pk, period.start, period.end).exists():
        raise ValidationError(
            _("%(c)s%(p)s的工作总结已存在；已定稿的请在原总结上“修订”。")
            % {"c": county.name, "p": period.label}
        )
    summary = Summary(
        county=county, period_start=period.start, period_end=period.end,
        title=title.strip() or default_title(county, period), sections=default_sections(), created_by=by,
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
    Freezing twice is refused: the write is a compare-and-set on state=draft, so of two concurrent
    freezes exactly one wins and only one event is recorded."""
    _require_staff(by, summary.county, "freeze summary", summary)
    if summary.is_frozen:
        raise ValidationError(_("该工作总结已定稿。"), code="frozen")
    figures = compute_all(summary.county, period_of(summary))
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
        after = {k: audit.snapshot(current)[k] for k in FROZEN_FIELDS}
        audit.record("freeze", by=by, obj=current, before=before, after=after)
    for name in ("state", "snapshot", "frozen_at", "frozen_by", "updated_at"):
        setattr(summary, name, getattr(current, name))
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
        for sa, sb in zip(ra.sections, rb.sections, strict=True)
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
