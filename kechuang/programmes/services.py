"""Every write of the programmes engine. Pages, the API, imports and the CLI call these functions, so a
rule lives here once. Each is atomic, validates with full_clean() and writes its audit event in the same
transaction; permission checks run before the transaction so a refusal's audit row survives."""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, edits, permissions
from kechuang.core.models import Organisation, Region
from kechuang.core.units import chinese_date
from kechuang.core.writes import assign as _assign
from kechuang.core.writes import create_or_update as _create_or_update
from kechuang.core.writes import require_staff as _require_staff
from kechuang.core.writes import save as _save

from . import workflow
from .models import (
    ZERO,
    Application,
    Attachment,
    Award,
    Call,
    ClaimItem,
    Disbursement,
    FundingSource,
    IncentiveRule,
    Milestone,
    Notification,
    Objection,
    PolicyDocument,
    Programme,
    PublicNotice,
    Redemption,
    Review,
    ServiceLog,
    ServiceProvider,
    Status,
    Transition,
    Voucher,
)

_as_of: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("programmes_as_of", default=None)


def _now() -> dt.datetime:
    """The service clock: the server's time (or, for history built by code — the demo — `as_of`)."""
    return _as_of.get() or timezone.now()


def _today() -> dt.date:
    return timezone.localdate(_now())


def today() -> dt.date:
    """The services' today (see _now): pages show states and offer moves by the same clock."""
    return _today()


def _not_after_today(today: dt.date | None) -> dt.date:
    """A caller's "today" may look at the past (stricter), never at a day the clock has not reached:
    a rule that waits for a date cannot be got round by passing a later one."""
    clock = _today()
    return clock if today is None or today > clock else today


@contextlib.contextmanager
def as_of(moment: dt.datetime) -> Iterator[None]:
    """Record timeline moments (transitions, submission) at `moment` instead of now: for history that
    arrives late — the demo county and imported historical results. The audit log keeps the real time."""
    token = _as_of.set(moment)
    try:
        yield
    finally:
        _as_of.reset(token)


def _yuan(amount: Decimal) -> str:
    """An exact amount in 元 for a message, always with two decimals: SQLite's sums come back as 150000
    where PostgreSQL's are 150000.00, and a message must not depend on the database."""
    return f"{Decimal(amount).quantize(Decimal('0.01'))}"


# --- policies, programmes, calls ----------------------------------------------------------------------------

POLICY_FIELDS = [
    "county", "title", "short_title", "number", "issuing_bodies", "issued_on", "bureau_role", "full_text",
]  # fmt: skip
RULE_FIELDS = [
    "item", "article", "achievement", "achievement_year", "recognition", "grade", "amount", "cap",
]  # fmt: skip
PROGRAMME_FIELDS = [
    "county", "name", "level", "kind", "award_form", "category", "issuer", "policy", "validity_years",
    "for_people", "applicant_kinds", "issues_certificate", "nature", "is_active",
]  # fmt: skip
CALL_FIELDS = ["programme", "year", "name", "opens_on", "closes_on", "county_deadline", "notes"]


def policy_save(
    *, by: Any, data: dict[str, Any], policy: PolicyDocument | None = None, loaded: Any = None
) -> PolicyDocument:
    county = data.get("county") or (policy.county if policy else None)
    return _create_or_update(
        PolicyDocument, by=by, data=data, fields=POLICY_FIELDS, county=county, instance=policy, loaded=loaded
    )


def rule_save(
    *,
    by: Any,
    policy: PolicyDocument,
    data: dict[str, Any],
    rule: IncentiveRule | None = None,
    loaded: Any = None,
) -> IncentiveRule:
    data = {**data}
    obj = _create_or_update(
        IncentiveRule,
        by=by,
        data={**data, "policy": policy},
        fields=[*RULE_FIELDS, "policy"],
        county=policy.county_id,
        instance=rule,
        loaded=loaded,
    )
    return obj


def rule_delete(*, by: Any, rule: IncentiveRule) -> None:
    _require_staff(by, rule.policy.county_id, "delete incentiverule", rule)
    with transaction.atomic():
        before = audit.snapshot(rule)
        audit.record("delete", by=by, obj=rule, before=before)
        rule.delete()


def programme_save(
    *, by: Any, data: dict[str, Any], programme: Programme | None = None, loaded: Any = None
) -> Programme:
    county = data.get("county") or (programme.county if programme else None)
    return _create_or_update(
        Programme, by=by, data=data, fields=PROGRAMME_FIELDS, county=county, instance=programme, loaded=loaded
    )


def call_save(*, by: Any, data: dict[str, Any], call: Call | None = None, loaded: Any = None) -> Call:
    programme = data.get("programme") or (call.programme if call else None)
    return _create_or_update(
        Call,
        by=by,
        data=data,
        fields=CALL_FIELDS,
        county=programme.county_id if programme else None,
        instance=call,
        loaded=loaded,
    )


# --- applications -----------------------------------------------------------------------------------------------

APPLICATION_FIELDS = [
    "call",
    "organisation",
    "person",
    "title",
    "summary",
    "total_budget",
    "requested_amount",
]
EDITABLE_STATUSES = {Status.DRAFT, Status.RETURNED}


def _may_apply_for(by: Any, application: Application) -> bool:
    """Staff of the county, or the applicant organisation/person itself (checked after clean())."""
    return bool(workflow.actor_roles(by, application))


def application_create(*, by: Any, data: dict[str, Any]) -> Application:
    application = Application(
        created_by=by if getattr(by, "is_authenticated", False) else None, status_changed_at=_now()
    )
    _assign(application, data, APPLICATION_FIELDS)
    try:
        application.clean()
    except ValidationError:
        application.full_clean()  # report every field's error, not only the first
        raise
    permissions.require(
        _may_apply_for(by, application), by, "create application", what="programmes.application"
    )
    with transaction.atomic():
        application.full_clean()
        application.save()
        audit.record("create", by=by, obj=application, after=audit.snapshot(application))
        _record_transition(application, "", Status.DRAFT, by, "")
    return application


def application_update(
    *, by: Any, application: Application, data: dict[str, Any], loaded: Any = None
) -> Application:
    """The applicant's edit of a draft (or one sent back): core's compare-and-set, the status read under the
    row lock — a submission or decision that got there first wins, and nothing else is written."""
    permissions.require(_may_apply_for(by, application), by, "update application", application)
    data = {k: v for k, v in data.items() if k != "call"}
    _assign(copy.copy(application), data, APPLICATION_FIELDS)

    def still_editable(current: Application, changed: list[str]) -> None:
        if current.status not in EDITABLE_STATUSES:
            raise ValidationError(
                _("只有草稿或退回修改的申报可以修改（当前：%(s)s）。") % {"s": current.get_status_display()}
            )

    return edits.update(application, by=by, data=data, loaded=loaded, prepare=still_editable)


def application_delete(*, by: Any, application: Application) -> None:
    permissions.require(_may_apply_for(by, application), by, "delete application", application)
    if application.status != Status.DRAFT:
        raise ValidationError(_("只有草稿可以删除；已提交的申报请退回或驳回。"))
    with transaction.atomic():
        audit.record("delete", by=by, obj=application, before=audit.snapshot(application))
        application.delete()


def _record_transition(
    application: Application, source: str, target: str, by: Any, comment: str
) -> Transition:
    user = by if getattr(by, "is_authenticated", False) else None
    label = user.get_username() if user else audit._actor_label.get()
    return Transition.objects.create(
        application=application, from_status=source, to_status=target, actor=user, actor_label=label,
        at=_now(), comment=comment,
    )  # fmt: skip


class TransitionConflict(ValidationError):
    """Someone else moved the application first: nothing was changed."""


def application_transition(
    *,
    application: Application,
    to: str,
    by: Any,
    comment: str = "",
    today: dt.date | None = None,
    _service: str = "",
) -> Application:
    """Move an application along the declared workflow. Refusals for role are audited; a move another
    user made first ends in TransitionConflict with the current status named."""
    today = today or _today()
    comment = (comment or "").strip()
    candidates = workflow.moves_for(application, to)
    if not candidates:
        raise ValidationError(
            _("当前状态“%(s)s”不能变更为“%(t)s”。")
            % {"s": application.get_status_display(), "t": Status(to).label if to in Status.values else to}
        )
    roles = workflow.actor_roles(by, application)
    allowed = [m for m in candidates if m.actor in roles]
    permissions.require(
        bool(allowed), by, f"transition {application.status}->{to}", application,
        message=_("您没有权限执行“%(m)s”。") % {"m": candidates[0].label},
    )  # fmt: skip
    move = next((m for m in allowed if m.actor == workflow.STAFF), allowed[0])
    if move.via_service and move.via_service != _service:
        raise ValidationError(_("“%(m)s”须通过专门的办理页面完成。") % {"m": move.label})
    if move.condition:
        problem = move.condition(application, today, move.actor == workflow.STAFF)
        if problem:
            raise ValidationError(problem)
    if move.needs_comment and not comment:
        raise ValidationError({"comment": _("“%(m)s”须填写理由。") % {"m": move.label}})
    source = application.status
    now = _now()
    with transaction.atomic():
        changes: dict[str, Any] = {"status": to, "status_changed_at": now, "updated_at": timezone.now()}
        if to == Status.SUBMITTED:
            changes["submitted_at"] = now
        # Compare-and-set: of two people acting at once, only the first finds the status unchanged.
        if not Application.objects.filter(pk=application.pk, status=source).update(**changes):
            current = Application.objects.get(pk=application.pk)
            raise TransitionConflict(
                _("该申报已由他人处理，当前状态为“%(s)s”，您的“%(m)s”操作未执行。")
                % {"s": current.get_status_display(), "m": move.label}
            )
        # The event holds every field the move wrote (its stamps too), so replaying the log gives the row.
        audited = [k for k in changes if k != "updated_at"]
        before = {k: getattr(application, k) for k in audited}
        for key, value in changes.items():
            setattr(application, key, value)
        _record_transition(application, source, to, by, comment)
        audit.record(
            "transition",
            by=by,
            obj=application,
            before=before,
            after={k: changes[k] for k in audited},
            detail=comment,
        )
        if to == Status.SUBMITTED and application.programme.kind == Programme.Kind.INCENTIVE:
            claim_compute(application=application, by=by)
        if to == Status.RETURNED:
            from .reminders import notify_applicant

            notify_applicant(
                application,
                key=f"returned:{application.pk}:{now.timestamp():.0f}",
                title=_("申报被退回修改：%(a)s") % {"a": application},
                body=comment,
            )
    return application


@dataclass
class BulkResult:
    done: list[Application] = field(default_factory=list)
    failed: list[tuple[Application, str]] = field(default_factory=list)


def application_transition_bulk(
    *, applications: Iterable[Application], to: str, by: Any, comment: str = ""
) -> BulkResult:
    """The same transition for many applications (recommend 30 at once), each through the one rule;
    one that may not move is reported and the others still move."""
    result = BulkResult()
    for application in applications:
        try:
            application_transition(application=application, to=to, by=by, comment=comment)
        except (ValidationError, PermissionDenied) as e:
            message = "；".join(e.messages) if isinstance(e, ValidationError) else str(e)
            result.failed.append((application, message))
        else:
            result.done.append(application)
    return result


def review_add(*, by: Any, application: Application, opinion: str, score: Decimal | None = None) -> Review:
    _require_staff(by, application.county_id, "review application", application)
    with transaction.atomic():
        review = Review(application=application, reviewer=by, opinion=(opinion or "").strip(), score=score)
        return _save(review, by=by, action="create")


ALLOWED_ATTACHMENTS = {
    "pdf": (b"%PDF",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",),
    "xls": (b"\xd0\xcf\x11\xe0",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "ofd": (b"PK\x03\x04",),
}


def attachment_add(*, by: Any, application: Application, upload: Any) -> Attachment:
    """Keep an uploaded file: size-limited, type-checked by both its name and its first bytes."""
    permissions.require(_may_apply_for(by, application), by, "attach to application", application)
    if Application.objects.filter(pk=application.pk, status=Status.WITHDRAWN).exists():  # as stored now
        raise ValidationError(_("申报已撤回，不能再上传附件。"))
    name = str(getattr(upload, "name", "") or "")
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED_ATTACHMENTS:
        raise ValidationError(
            _("不支持的附件类型“%(s)s”，请上传 PDF、Word、Excel、OFD 或 JPG/PNG 图片。")
            % {"s": suffix or name}
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("附件 %(n)s 超过大小上限 %(m)s MB。")
            % {"n": name, "m": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(magic) for magic in ALLOWED_ATTACHMENTS[suffix]):
        raise ValidationError(_("附件 %(n)s 的内容与扩展名不符，请检查文件是否损坏或被改名。") % {"n": name})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        attachment = Attachment(
            application=application, original_name=name[-200:], size=upload.size,
            content_type=getattr(upload, "content_type", "") or "", sha256=digest.hexdigest(), uploaded_by=by,
        )  # fmt: skip
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit.record("create", by=by, obj=attachment, after=audit.snapshot(attachment))
    return attachment


# --- policy to money --------------------------------------------------------------------------------------------


def achievements_for(rule: IncentiveRule, organisation_id: int) -> list[Award]:
    """The enterprise's recorded awards the rule rewards (its programme, year, grade, first or renewal)."""
    awards = rule.matching_awards(Award.objects.filter(organisation_id=organisation_id))
    return list(awards.order_by("decided_on", "pk"))


def proposed_items(
    rules: Iterable[IncentiveRule], organisation_id: int
) -> list[tuple[IncentiveRule, Award, Decimal]]:
    """Each recorded achievement a rule rewards, with its amount; a rule's cap limits its total."""
    items = []
    for rule in rules:
        remaining = rule.cap
        for award in achievements_for(rule, organisation_id):
            amount = rule.amount if remaining is None else min(rule.amount, remaining)
            if amount <= 0:
                break
            items.append((rule, award, amount))
            if remaining is not None:
                remaining -= amount
    return items


def _cents(amount: Decimal) -> Decimal:
    """An amount as the database stores it (two decimals), for audit events written beside an update()."""
    return Decimal(amount).quantize(Decimal("0.01"))


def claim_compute(*, application: Application, by: Any = None) -> Decimal:
    """Work out a claim's proposed amount from its policy's rules and the enterprise's recorded awards.
    Enterprises claim once a year for what they achieved the year before (DOMAIN.md, stream 1), so a
    claim in a call of year Y uses the rules for achievements of Y-1."""
    policy = application.programme.policy
    ClaimItem.objects.filter(application=application).delete()
    total = ZERO
    if policy is not None and application.organisation_id:
        rules = policy.rules.filter(achievement_year=application.call.year - 1).select_related("achievement")
        # An achievement is paid once: another live claim (any but a rejected one) under the same
        # policy already holds it. The cap still counts it, as proposed_items runs over all of them.
        claimed = set(
            ClaimItem.objects.filter(
                rule__policy=policy, application__organisation_id=application.organisation_id
            )
            .exclude(application=application)
            .exclude(application__status__in=(Status.REJECTED, Status.WITHDRAWN))
            .values_list("rule_id", "achievement_id")
        )
        for rule, award, amount in proposed_items(rules, application.organisation_id):
            if (rule.pk, award.pk) in claimed:
                continue
            ClaimItem.objects.create(application=application, rule=rule, achievement=award, amount=amount)
            total += amount
    if total != application.proposed_amount:
        Application.objects.filter(pk=application.pk).update(proposed_amount=total)
        audit.record(
            "claim_compute",
            by=by,
            obj=application,
            before={"proposed_amount": application.proposed_amount},
            after={"proposed_amount": _cents(total)},
            detail=_("按政策条款计算的拟奖励金额"),
        )
    application.proposed_amount = total
    return total


def claim_ceiling(application: Application) -> tuple[Decimal | None, str]:
    """The most a claim may be decided at (None: no cap), and what it is made of (for the message): the
    sum, over the rules of the claim's policy for the achievements of the year before the call, of each
    rule's per-enterprise cap less what the enterprise's other live claims already hold under it. A rule
    without a cap promises its amount for every achievement, however many: then there is no ceiling."""
    policy = application.programme.policy
    if policy is None or not application.organisation_id:
        return None, ""
    total = ZERO
    parts = []
    for rule in policy.rules.filter(achievement_year=application.call.year - 1).order_by("article", "pk"):
        if rule.cap is None:
            return None, ""
        held = (
            ClaimItem.objects.filter(rule=rule, application__organisation_id=application.organisation_id)
            .exclude(application=application)
            .exclude(application__status__in=(Status.REJECTED, Status.WITHDRAWN))
            .aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        total += max(rule.cap - held, ZERO)
        parts.append(_("%(r)s每家上限 %(c)s 元") % {"r": rule.item, "c": _yuan(rule.cap)})
    return total, "、".join(parts)


def _check_ceiling(application: Application, amount: Decimal) -> None:
    ceiling, basis = claim_ceiling(application)
    if ceiling is not None and amount > ceiling:
        raise ValidationError(
            {"amount": _("核定金额 %(a)s 元超过政策上限 %(c)s 元（%(b)s）。")
             % {"a": _yuan(amount), "c": _yuan(ceiling), "b": basis or _("该政策没有适用的奖励条款")}}
        )  # fmt: skip


def claim_decide(
    *,
    by: Any,
    application: Application,
    amount: Decimal | None = None,
    reason: str = "",
    decided_on: dt.date | None = None,
) -> Award:
    """Decide a checked claim's amount: the proposed one, or another with a stated reason (audited);
    never above what the policy's rules allow (claim_ceiling)."""
    reason = (reason or "").strip()
    proposed = application.proposed_amount if application.proposed_amount is not None else ZERO
    amount = proposed if amount is None else Decimal(amount)
    if amount < 0:
        raise ValidationError({"amount": _("核定金额不能为负数。")})
    _require_staff(by, application.county_id, "decide claim", application)
    if amount != proposed and not reason:
        raise ValidationError(
            {"reason": _("核定金额与按政策测算的 %(p)s 元不同，须填写调整理由。") % {"p": _yuan(proposed)}}
        )
    _check_ceiling(application, amount)
    decided_on = decided_on or _today()
    if decided_on > _today():
        raise ValidationError({"decided_on": _("核定日期不能晚于今天。")})
    # A decision follows the check: a live claim is not decided at a date before it was checked (history
    # decided in past years is entered as 补录, backfill.paid_claim_backfill, with its own documents).
    checked_on = timezone.localdate(application.status_changed_at) if application.status_changed_at else None
    if checked_on is not None and application.status == Status.CHECKED and decided_on < checked_on:
        raise ValidationError(
            {"decided_on": _("核定日期不能早于审核通过的 %(d)s；以往年度已核定兑现的奖励请用“补录”登记。")
             % {"d": chinese_date(checked_on)}}
        )  # fmt: skip
    with transaction.atomic():
        application_transition(
            application=application, to=Status.DECIDED, by=by, comment=reason, _service="decide"
        )
        before = {
            "decided_amount": application.decided_amount,
            "override_reason": application.override_reason,
        }
        Application.objects.filter(pk=application.pk).update(decided_amount=amount, override_reason=reason)
        application.decided_amount, application.override_reason = amount, reason
        # Audited either way with what was written (the replay needs it); "amount_override" when the amount
        # is not the proposed one, with the proposal beside it.
        overridden = amount != proposed
        audit.record(
            "amount_override" if overridden else "decide_amount", by=by, obj=application,
            before={**({"proposed_amount": proposed} if overridden else {}), **before},
            after={"decided_amount": _cents(amount), "override_reason": reason}, detail=reason,
        )  # fmt: skip
        return _award_create(
            application=application, by=by, data={"decided_on": decided_on, "amount": amount}
        )


def award_amend(*, by: Any, award: Award, amount: Decimal, reason: str) -> Award:
    """Correct a claim's decided amount before the money has moved (re-decide, with a reason): county
    staff only; never above the policy's ceiling, never below what has been paid; refused once paid in
    full. Audited with the amount before and after and the reason. A payment 公示 published before the
    correction showed another amount: payment then waits for a new notice (payment_blocker)."""
    _require_staff(by, award.county_id, "amend award", award)
    if award.is_backfill:  # history: the amount is the original decision's (backfill.py)
        raise ValidationError(
            {
                "amount": _("补录的奖励按原核定文件 %(r)s 登记，核定金额不能调整。")
                % {"r": award.backfill_reference}
            }
        )
    reason = (reason or "").strip()
    amount = Decimal(amount)
    application = award.application
    if award.programme.kind != Programme.Kind.INCENTIVE:
        raise ValidationError(_("只有政策奖励的核定金额在此调整；立项项目的金额请修改立项/认定结果。"))
    if not reason:
        raise ValidationError({"reason": _("调整核定金额须填写理由。")})
    if amount < 0:
        raise ValidationError({"amount": _("核定金额不能为负数。")})
    if application.status == Status.PAID:
        raise ValidationError(_("该奖励已全额兑现，核定金额不能再调整。"))
    if application.status != Status.DECIDED:
        raise ValidationError(
            _("只有已核定金额、尚未兑现的奖励可以调整金额（当前：%(s)s）。")
            % {"s": application.get_status_display()}
        )
    live = [n for n in _live_payment_notices(application) if _today() <= n.payable_after()]
    if live:
        raise ValidationError(
            _("该申报正在公示（“%(t)s”，至 %(d)s），请先撤回公示再调整金额。")
            % {"t": live[0].title, "d": chinese_date(live[0].payable_after())}
        )
    _check_ceiling(application, amount)
    with transaction.atomic():
        award = Award.objects.select_for_update().get(pk=award.pk)
        application = Application.objects.get(pk=award.application_id)
        if application.status != Status.DECIDED:  # paid in full meanwhile
            raise TransitionConflict(_("该奖励已由他人办理，当前状态为“%(s)s”，金额未调整。")
                                     % {"s": application.get_status_display()})  # fmt: skip
        paid = award.disbursements.filter(is_matching=False).aggregate(s=Sum("amount"))["s"] or ZERO
        if amount < paid:
            raise ValidationError({"amount": _("不能低于已拨付的 %(p)s 元。") % {"p": _yuan(paid)}})
        before = award.amount
        if amount == before:
            raise ValidationError({"amount": _("核定金额未变化（%(a)s 元）。") % {"a": _yuan(amount)}})
        now = _now()
        Award.objects.filter(pk=award.pk).update(amount=amount, amended_at=now, updated_at=timezone.now())
        Application.objects.filter(pk=application.pk).update(
            decided_amount=amount, override_reason=reason[:300], updated_at=timezone.now()
        )
        award.amount, award.amended_at = amount, now
        audit.record(
            "amount_amend", by=by, obj=award, before={"amount": before}, after={"amount": amount},
            detail=reason,
        )  # fmt: skip
        if paid > 0 and paid == amount:
            application_transition(
                application=application, to=Status.PAID, by=by, comment=reason, _service="pay"
            )
    return award


AWARD_FIELDS = [
    "decided_on",
    "document",
    "amount",
    "matching_amount",
    "certificate_no",
    "registration_no",
    "grade",
    "valid_from",
    "valid_until",
]


def _award_create(*, application: Application, by: Any, data: dict[str, Any]) -> Award:
    award = Award(
        application=application, programme=application.programme, county_id=application.county_id,
        organisation_id=application.organisation_id, person_id=application.person_id,
    )  # fmt: skip
    _assign(award, data, AWARD_FIELDS)
    _set_validity(award)
    try:
        return _save(award, by=by, action="create")
    except IntegrityError:
        raise TransitionConflict(_("该申报已有立项/认定结果。")) from None


def _set_validity(award: Award) -> None:
    """高新技术企业: three years from the certificate date; 入库登记: the year of registration."""
    form = award.programme.award_form
    for name in ("decided_on", "valid_from", "valid_until"):
        day = getattr(award, name)
        if day is not None and not 1949 <= day.year <= 2100:
            raise ValidationError({name: _("日期 %(d)s 不在合理范围（1949–2100 年）。") % {"d": day}})
    if form == Programme.AwardForm.QUALIFICATION:
        award.valid_from = award.valid_from or award.decided_on
        years = award.programme.validity_years or 0
        # N full years from the certificate date: the day before the N-th anniversary. A 29 February
        # certificate's anniversary in a common year is 1 March, so it runs to 28 February, not 27
        # (民法典 第二百零二条: no corresponding day → the last day of that month).
        try:
            anniversary = award.valid_from.replace(year=award.valid_from.year + years)
        except ValueError:
            anniversary = dt.date(award.valid_from.year + years, 3, 1)
        award.valid_until = anniversary - dt.timedelta(days=1)
        if award.programme.issues_certificate and not award.certificate_no:
            raise ValidationError({"certificate_no": _("资质认定须填写证书编号。")})
    elif form == Programme.AwardForm.REGISTRATION:
        award.valid_from = award.valid_from or award.decided_on
        award.valid_until = dt.date(award.valid_from.year, 12, 31)
        if not award.registration_no:
            raise ValidationError({"registration_no": _("入库登记须填写登记编号。")})
    elif form == Programme.AwardForm.PROJECT:
        # A project's implementation period, a team's construction period (建设期): typed, not derived.
        if award.valid_until is not None and award.valid_from is None:
            award.valid_from = award.decided_on
        if award.valid_from and award.valid_until and award.valid_until < award.valid_from:
            raise ValidationError({"valid_until": _("期限截止不能早于起始日期。")})


def application_approve(*, by: Any, application: Application, data: dict[str, Any]) -> Award:
    """Record the upper level's approval and what it granted (money, certificate, registration number)."""
    _require_staff(by, application.county_id, "approve application", application)
    with transaction.atomic():
        application_transition(
            application=application,
            to=Status.APPROVED,
            by=by,
            comment=data.pop("comment", ""),
            _service="approve",
        )
        return _award_create(application=application, by=by, data=data)


def award_update(*, by: Any, award: Award, data: dict[str, Any], loaded: Any = None) -> Award:
    _require_staff(by, award.county_id, "update award", award)
    decided_on = data.get("decided_on")
    if award.is_backfill and decided_on is not None and decided_on >= timezone.localdate(timezone.now()):
        raise ValidationError({"decided_on": _("补录的批准日期须早于今天。")})
    is_claim = award.programme.kind == Programme.Kind.INCENTIVE
    if is_claim and "amount" in data and Decimal(data["amount"] or 0) != award.amount:
        raise ValidationError(
            {"amount": _("奖励的核定金额须经“调整核定金额”（填写理由，不超过政策上限）修改。")}
        )
    if is_claim and data.get("matching_amount"):
        raise ValidationError({"matching_amount": _("政策奖励没有配套资金。")})
    _assign(copy.copy(award), data, AWARD_FIELDS)

    def check(current: Award, changed: list[str]) -> None:
        """Under the row lock: the validity follows the dates, and no amount drops below what is paid."""
        _set_validity(current)
        for is_matching, name, ceiling in (
            (False, "amount", current.amount),
            (True, "matching_amount", current.matching_amount),
        ):
            paid = (
                current.disbursements.filter(is_matching=is_matching).aggregate(s=Sum("amount"))["s"] or ZERO
            )
            if ceiling < paid:
                raise ValidationError({name: _("不能低于已拨付的 %(p)s 元。") % {"p": _yuan(paid)}})

    return edits.update(award, by=by, data=data, loaded=loaded, prepare=check)


MILESTONE_FIELDS = ["kind", "due_on", "done_on", "result", "note"]


def milestone_save(
    *, by: Any, award: Award, data: dict[str, Any], milestone: Milestone | None = None, loaded: Any = None
) -> Milestone:
    if award.programme.award_form != Programme.AwardForm.PROJECT:
        raise ValidationError(_("只有立项项目有检查与验收节点。"))
    status = award.application.status
    if status in (Status.ACCEPTED, Status.CLOSED):
        # The acceptance the project was closed on stays as it was recorded.
        raise ValidationError(
            _("项目已%(s)s，节点不能再修改。") % {"s": award.application.get_status_display()}
        )
    done_on = data.get("done_on", milestone.done_on if milestone else None)
    if done_on is not None:
        if done_on > _today():
            raise ValidationError({"done_on": _("完成日期不能晚于今天：尚未完成的节点请留空。")})
        if done_on < award.decided_on:
            raise ValidationError(
                {"done_on": _("完成日期不能早于立项日期 %(d)s。") % {"d": chinese_date(award.decided_on)}}
            )
    return _create_or_update(
        Milestone, by=by, data={**data, "award": award}, fields=[*MILESTONE_FIELDS, "award"], county=award.county_id,
        instance=milestone, loaded=loaded,
    )  # fmt: skip


# --- money out ----------------------------------------------------------------------------------------------------

DISBURSEMENT_FIELDS = [
    "amount",
    "source",
    "fiscal_year",
    "paid_on",
    "voucher_no",
    "is_matching",
    "tranche",
    "note",
]


def _live_payment_notices(application: Application) -> list[PublicNotice]:
    """The payment notices listing this application that can clear money paid today: not withdrawn,
    not 补录 (history published before the platform knew of it)."""
    return list(
        application.notices.filter(
            purpose=PublicNotice.Purpose.PAYMENT, withdrawn_at__isnull=True, is_backfill=False
        ).order_by("published_on", "pk")
    )


def payment_blocker(award: Award, today: dt.date | None = None) -> str | None:
    """County money (incentives, matching funds) is paid only after a payment 公示 has run its working
    days — counted from the moment it was published by the server's clock, whatever start date was typed
    — was not withdrawn, was published after the last correction of the amount, and has no upheld or open
    objection against this application. `today` may only look at the past (see _not_after_today)."""
    today = _not_after_today(today)
    notices = _live_payment_notices(award.application)
    if not notices:
        payment_notices = award.application.notices.filter(purpose=PublicNotice.Purpose.PAYMENT)
        if payment_notices.filter(is_backfill=True).exists():
            return _("该申报只有补录的历史公示，不能据以拨付今天的资金；请先发布资金兑现公示。")
        if payment_notices.exists():
            return _("该申报的资金兑现公示已撤回，须重新发布公示。")
        return _("须先发布资金兑现公示。")
    if award.amended_at is not None:
        notices = [n for n in notices if n.published_at is not None and n.published_at > award.amended_at]
        if not notices:
            return _("核定金额已于 %(d)s 调整，须重新发布资金兑现公示。") % {
                "d": chinese_date(timezone.localdate(award.amended_at))
            }
    ended = [n for n in notices if n.payable_after() < today]
    if not ended:
        latest = min(n.payable_after() for n in notices)
        return _("公示期至 %(d)s，期满后方可拨付。") % {"d": chinese_date(latest)}
    # An objection against this application, or against a whole notice listing it, blocks payment
    # until it is resolved as not upheld.
    open_objections = Objection.objects.filter(
        Q(application=award.application) | Q(application__isnull=True, notice__in=notices)
    ).exclude(upheld=False)
    if open_objections.exists():
        return _("该申报有尚未处理或成立的公示异议，不能拨付。")
    return None


def _payable_from(award: Award) -> dt.date | None:
    """The first day county money may be paid: the day after the earliest live notice's period."""
    ends = [n.payable_after() for n in _live_payment_notices(award.application)]
    return min(ends) + dt.timedelta(days=1) if ends else None


def disbursement_create(
    *, by: Any, award: Award, data: dict[str, Any], today: dt.date | None = None
) -> Disbursement:
    """Record money paid out against an award. A claim paid in full moves to 已兑现. Not more than
    awarded, not the same 凭证号 twice (a second click), not before the award was decided, and — county
    money — not before its payment 公示 has run (payment_blocker) nor dated before that."""
    today = _not_after_today(today)
    _require_staff(by, award.county_id, "create disbursement", award)
    application = award.application
    is_claim = award.programme.kind == Programme.Kind.INCENTIVE
    if is_claim and application.status != Status.DECIDED:
        raise ValidationError(
            _("奖励须核定金额后才能兑现（当前：%(s)s）。") % {"s": application.get_status_display()}
        )
    if not is_claim and application.status not in (Status.APPROVED, Status.IN_PROGRESS, Status.ACCEPTED):
        raise ValidationError(_("只有已立项/认定的项目可以拨付资金。"))
    disbursement = Disbursement(award=award)
    _assign(disbursement, data, DISBURSEMENT_FIELDS)
    if is_claim and disbursement.is_matching:
        raise ValidationError({"is_matching": _("政策奖励没有配套资金。")})
    if is_claim or disbursement.is_matching:
        if disbursement.is_matching and disbursement.source != FundingSource.COUNTY:
            raise ValidationError({"source": _("县配套资金的来源应为县级财政。")})
        blocker = payment_blocker(award, today)
        if blocker:
            raise ValidationError(blocker)
    if disbursement.paid_on and disbursement.paid_on > today:
        raise ValidationError({"paid_on": _("拨付日期不能晚于今天。")})
    if disbursement.paid_on and disbursement.paid_on < award.decided_on:
        raise ValidationError(
            {"paid_on": _("拨付日期不能早于批准（核定）日期 %(d)s。") % {"d": chinese_date(award.decided_on)}}
        )
    if disbursement.paid_on and (is_claim or disbursement.is_matching):
        first = _payable_from(award)
        if first is not None and disbursement.paid_on < first:
            raise ValidationError(
                {"paid_on": _("拨付日期不能早于公示期满后的 %(d)s。") % {"d": chinese_date(first)}}
            )
    with transaction.atomic():
        award = Award.objects.select_for_update().get(pk=award.pk)
        if is_claim and Application.objects.get(pk=application.pk).status != Status.DECIDED:
            raise TransitionConflict(_("该奖励已由他人办理兑现，本次拨付未登记。"))
        voucher_no = (disbursement.voucher_no or "").strip()
        if (
            voucher_no
            and award.disbursements.filter(
                voucher_no=voucher_no, is_matching=disbursement.is_matching
            ).exists()
        ):
            raise ValidationError(
                {"voucher_no": _("凭证号 %(v)s 的拨付已登记，未重复登记。") % {"v": voucher_no}}
            )
        paid = (
            award.disbursements.filter(is_matching=disbursement.is_matching).aggregate(s=Sum("amount"))["s"]
            or ZERO
        )
        ceiling = award.matching_amount if disbursement.is_matching else award.amount
        if disbursement.amount is not None and paid + disbursement.amount > ceiling:
            raise ValidationError(
                {"amount": _("累计拨付 %(t)s 元将超过%(w)s %(c)s 元（已拨付 %(p)s 元）。")
                 % {"t": _yuan(paid + disbursement.amount),
                    "w": _("配套资金") if disbursement.is_matching else _("核定金额"),
                    "c": _yuan(ceiling), "p": _yuan(paid)}}
            )  # fmt: skip
        _save(disbursement, by=by, action="create")
        if is_claim and paid + disbursement.amount == ceiling:
            application_transition(application=application, to=Status.PAID, by=by, _service="pay")
    return disbursement


# --- public notices (公示) -------------------------------------------------------------------------------------------

NOTICE_FIELDS = ["county", "title", "purpose", "body", "published_on", "working_days", "contact"]
NOTICE_STATUSES = {
    # decided claims, and approved projects and teams whose county matching funds (配套资金) are due
    PublicNotice.Purpose.PAYMENT: {Status.DECIDED, Status.APPROVED, Status.IN_PROGRESS, Status.ACCEPTED},
    PublicNotice.Purpose.RECOMMENDATION: {Status.SUBMITTED, Status.RECOMMENDED},
}


def notice_publish(*, by: Any, data: dict[str, Any], applications: Iterable[Application]) -> PublicNotice:
    applications = list(applications)
    county = data.get("county")
    _require_staff(by, county.pk if county else None, "publish notice")
    if not applications:
        raise ValidationError(_("公示名单不能为空。"))
    notice = PublicNotice(created_by=by, published_at=_now())
    _assign(notice, data, NOTICE_FIELDS)
    # The period starts no earlier than the moment of publication (the server's clock): a start date in
    # the past is refused, not moved, so that what is printed is what was typed. Past notices are 补录.
    published_today = timezone.localdate(notice.published_at)
    if notice.published_on and notice.published_on < published_today:
        raise ValidationError(
            {"published_on": _("公示开始日期不能早于发布当天（%(d)s）：公示期自发布之时起算。以往发布的公示请用“补录”登记。")
             % {"d": chinese_date(published_today)}}
        )  # fmt: skip
    wanted: set[str] = set(NOTICE_STATUSES.get(notice.purpose, ()))  # type: ignore[call-overload]
    wrong = [a for a in applications if a.status not in wanted or a.county_id != notice.county_id]
    if wrong:
        raise ValidationError(
            _("以下申报不在可公示的状态或不属于本县：%(n)s") % {"n": "、".join(str(a) for a in wrong[:10])}
        )
    with transaction.atomic():
        notice.full_clean()
        notice.save()
        notice.applications.set(applications)
        audit.record("create", by=by, obj=notice, after=audit.snapshot(notice))
    return notice


def notice_withdraw(*, by: Any, notice: PublicNotice, reason: str) -> PublicNotice:
    """公示撤回: county staff withdraw a notice before its period ends, with a reason (audited). Its
    applications stay where they were (a decided claim stays decided) and may be listed on a new notice;
    a withdrawn notice never clears a payment."""
    _require_staff(by, notice.county_id, "withdraw notice", notice)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤回公示须填写理由。")})
    if notice.is_withdrawn:
        raise ValidationError(
            _("该公示已于 %(d)s 撤回。") % {"d": chinese_date(timezone.localdate(notice.withdrawn_at))}
        )
    if notice.is_backfill:
        raise ValidationError(_("补录的历史公示不能撤回。"))
    if _today() > notice.payable_after():
        raise ValidationError(
            _("公示期已于 %(d)s 结束，不能撤回。") % {"d": chinese_date(notice.payable_after())}
        )
    now = _now()
    with transaction.atomic():
        if not PublicNotice.objects.filter(pk=notice.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=by, withdrawal_reason=reason[:300]
        ):
            raise TransitionConflict(_("该公示已由他人撤回。"))
        notice.withdrawn_at, notice.withdrawn_by, notice.withdrawal_reason = now, by, reason[:300]
        audit.record(
            "withdraw", by=by, obj=notice, before={"withdrawn_at": None},
            after={"withdrawn_at": now.isoformat(), "applications": list(notice.applications.values_list("pk", flat=True))},
            detail=reason,
        )  # fmt: skip
    return notice


def objection_record(*, by: Any, notice: PublicNotice, data: dict[str, Any]) -> Objection:
    if notice.is_withdrawn:
        raise ValidationError(_("该公示已撤回，不再受理异议。"))
    application = data.get("application")
    if application is not None and not notice.applications.filter(pk=application.pk).exists():
        raise ValidationError({"application": _("异议涉及的申报须在本次公示名单中。")})
    return _create_or_update(
        Objection, by=by, data={**data, "notice": notice},
        fields=["notice", "application", "received_on", "raised_by", "content"], county=notice.county_id,
    )  # fmt: skip


def objection_resolve(*, by: Any, objection: Objection, upheld: bool, resolution: str) -> Objection:
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("请填写处理结果。")})
    return _create_or_update(
        Objection, by=by, data={"upheld": upheld, "resolution": resolution.strip(), "resolved_on": _today()},
        fields=["upheld", "resolution", "resolved_on"], county=objection.notice.county_id, instance=objection,
    )  # fmt: skip


# --- innovation vouchers ---------------------------------------------------------------------------------------------


def provider_save(
    *, by: Any, data: dict[str, Any], provider: ServiceProvider | None = None
) -> ServiceProvider:
    county = data.get("county") or (provider.county if provider else None)
    return _create_or_update(
        ServiceProvider, by=by, data=data, fields=["county", "organisation", "services", "registered_on", "is_active"],
        county=county, instance=provider,
    )  # fmt: skip


def voucher_issue(*, by: Any, data: dict[str, Any]) -> Voucher:
    organisation = data.get("organisation")
    county = organisation.county if isinstance(organisation, Organisation) else None
    expires_on, issued_on = data.get("expires_on"), data.get("issued_on")
    if expires_on is not None and expires_on < _today() and (issued_on is None or expires_on >= issued_on):
        raise ValidationError({"expires_on": _("有效期已过，不能发放已过期的创新券。")})
    if issued_on is not None and issued_on > _today():
        raise ValidationError({"issued_on": _("发放日期不能晚于今天。")})
    return _create_or_update(
        Voucher,
        by=by,
        data=data,
        fields=["number", "organisation", "amount", "issued_on", "expires_on"],
        county=county,
    )


def voucher_redeem(
    *, by: Any, voucher: Voucher, data: dict[str, Any], today: dt.date | None = None
) -> Redemption:
    """Spend (part of) a voucher with a registered provider under a contract."""
    today = _not_after_today(today)
    _require_staff(by, voucher.county_id, "redeem voucher", voucher)
    with transaction.atomic():
        voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
        redemption = Redemption(voucher=voucher)
        _assign(redemption, data, ["provider", "contract_no", "contract_amount", "amount", "redeemed_on"])
        redemption.full_clean()
        if voucher.state != Voucher.State.ISSUED:
            raise ValidationError(
                _("创新券 %(n)s 状态为“%(s)s”，不能兑付。") % {"n": voucher, "s": voucher.get_state_display()}
            )
        # Expired is a fact of the clock, not of the daily run that marks it, nor of a date typed earlier.
        if today > voucher.expires_on:
            raise ValidationError(
                {"redeemed_on": _("创新券 %(n)s 已于 %(d)s 到期，不能兑付。")
                 % {"n": voucher, "d": chinese_date(voucher.expires_on)}}
            )  # fmt: skip
        if redemption.redeemed_on > voucher.expires_on:
            raise ValidationError(
                {"redeemed_on": _("创新券已于 %(d)s 到期。") % {"d": chinese_date(voucher.expires_on)}}
            )
        if redemption.redeemed_on > today:
            raise ValidationError({"redeemed_on": _("兑付日期不能晚于今天。")})
        provider = ServiceProvider.objects.get(pk=redemption.provider_id)  # as it is now, not as passed in
        if provider.county_id != voucher.county_id or not provider.is_active:
            raise ValidationError({"provider": _("服务机构须为本县登记在册且有效的机构。")})
        if redemption.amount > voucher.balance:
            raise ValidationError(
                {"amount": _("兑付金额超过创新券余额 %(b)s 元。") % {"b": _yuan(voucher.balance)}}
            )
        if redemption.amount > redemption.contract_amount:
            raise ValidationError({"amount": _("兑付金额不能超过合同金额。")})
        if redemption.redeemed_on < voucher.issued_on:
            raise ValidationError({"redeemed_on": _("兑付日期不能早于发放日期。")})
        same_contract = voucher.redemptions.filter(contract_no=redemption.contract_no.strip())
        if same_contract.filter(amount=redemption.amount, redeemed_on=redemption.redeemed_on).exists():
            # the same redemption again (a second click, a re-sent form)
            raise ValidationError(
                {"contract_no": _("合同 %(c)s 已于 %(d)s 兑付 %(a)s 元，未重复登记。")
                 % {"c": redemption.contract_no, "d": chinese_date(redemption.redeemed_on),
                    "a": _yuan(redemption.amount)}}
            )  # fmt: skip
        spent = same_contract.aggregate(s=Sum("amount"))["s"] or ZERO
        if spent + redemption.amount > redemption.contract_amount:
            raise ValidationError(
                {"amount": _("该合同已兑付 %(s)s 元，累计将超过合同金额。") % {"s": _yuan(spent)}}
            )
        redemption.save()
        before = audit.snapshot(voucher)
        voucher.redeemed_amount += redemption.amount
        if voucher.redeemed_amount == voucher.amount:
            voucher.state = Voucher.State.REDEEMED
        voucher.save(update_fields=["redeemed_amount", "state"])
        audit.record("create", by=by, obj=redemption, after=audit.snapshot(redemption))
        b, a = audit.changed_only(before, audit.snapshot(voucher))
        audit.record("update", by=by, obj=voucher, before=b, after=a)
    return redemption


def vouchers_expire(*, today: dt.date | None = None, by: Any = None) -> int:
    """Mark vouchers past their expiry with an unspent balance as expired (run daily by `kechuang remind`)."""
    today = today or _today()
    with transaction.atomic():
        due = list(
            Voucher.objects.select_for_update().filter(state=Voucher.State.ISSUED, expires_on__lt=today)
        )
        for voucher in due:
            voucher.state = Voucher.State.EXPIRED
            voucher.save(update_fields=["state"])
        audit.record_many(
            audit.build("expire", by=by, obj=v, before={"state": "issued"}, after={"state": "expired"})
            for v in due
        )
    return len(due)


# --- coaching log ------------------------------------------------------------------------------------------------------


def service_log_save(*, by: Any, data: dict[str, Any], log: ServiceLog | None = None) -> ServiceLog:
    organisation = data.get("organisation") or (log.organisation if log else None)
    county = organisation.county if organisation else None
    data = {"staff": by, **data} if log is None else data
    return _create_or_update(
        ServiceLog, by=by, data=data, fields=["organisation", "programme", "date", "channel", "staff", "topic", "follow_up"],
        county=county, instance=log,
    )  # fmt: skip


def notification_read(*, user: Any, notification: Notification) -> None:
    if notification.user_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())


# --- reminder channels -------------------------------------------------------------------------------------------

REMINDER_CHANNEL_FIELDS = ["county", "kind", "target", "is_active"]


def webhook_allowed(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in settings.REMINDER_WEBHOOK_HOSTS


def _check_channel_target(kind: str, target: str) -> None:
    from django.core.validators import URLValidator, validate_email

    from .models import ReminderChannel

    try:
        if kind == ReminderChannel.Kind.EMAIL:
            validate_email(target)
        else:
            URLValidator(schemes=["http", "https"])(target)
            if not webhook_allowed(target):
                raise ValidationError(
                    {"target": _("Webhook 主机不在允许范围内（%(h)s），可由管理员通过 KECHUANG_WEBHOOK_HOSTS 配置。")
                     % {"h": "、".join(settings.REMINDER_WEBHOOK_HOSTS)}}
                )  # fmt: skip
    except ValidationError as e:
        if hasattr(e, "error_dict"):
            raise
        message = (
            _("请填写有效的电子邮箱地址。")
            if kind == ReminderChannel.Kind.EMAIL
            else _("请填写群机器人的 Webhook 地址（以 http:// 或 https:// 开头）。")
        )
        raise ValidationError({"target": message}) from None


def reminder_channel_save(*, by: Any, data: dict[str, Any], channel: Any = None, loaded: Any = None) -> Any:
    """Add or change where a county's reminders also go (e-mail, 企业微信 / 钉钉 group robot).
    County staff only; a channel stays in its county."""
    from .models import ReminderChannel

    data = {**data}
    if "target" in data:
        data["target"] = str(data["target"] or "").strip()
    if channel is not None:
        county = data.pop("county", None)
        if county is not None and getattr(county, "pk", county) != channel.county_id:
            raise ValidationError({"county": _("提醒渠道不能改到其他县。")})
    kind = data.get("kind") or (channel.kind if channel is not None else "")
    target = data.get("target") if "target" in data else (channel.target if channel is not None else "")
    county_ref = data.get("county") if channel is None else channel.county_id
    _require_staff(
        by,
        county_ref.pk if isinstance(county_ref, Region) else county_ref,
        f"{'update' if channel else 'create'} reminderchannel",
        channel,
    )
    _check_channel_target(kind, target or "")
    return _create_or_update(
        ReminderChannel,
        by=by,
        data=data,
        fields=REMINDER_CHANNEL_FIELDS,
        county=county_ref,
        instance=channel,
        loaded=loaded,
    )


def reminder_channel_delete(*, by: Any, channel: Any) -> None:
    _require_staff(by, channel.county_id, "delete reminderchannel", channel)
    with transaction.atomic():
        audit.record("delete", by=by, obj=channel, before=audit.snapshot(channel))
        channel.delete()


def voucher_update(*, by: Any, voucher: Voucher, data: dict[str, Any]) -> Voucher:
    """Correct an issued voucher (number, enterprise, amount, dates), e.g. from a re-imported register.
    Redeemed or expired vouchers stay as they are; the enterprise changes only while nothing was spent,
    and the amount never drops below what was already redeemed."""
    _require_staff(by, voucher.county_id, "update voucher", voucher)
    if voucher.state != Voucher.State.ISSUED:
        raise ValidationError(
            _("创新券 %(n)s 状态为“%(s)s”，不能修改。") % {"n": voucher, "s": voucher.get_state_display()}
        )
    if voucher.expires_on < _today():
        # A lapsed voucher is not revived by moving its expiry date (page or register import).
        raise ValidationError(
            _("创新券 %(n)s 已于 %(d)s 到期，不能修改。")
            % {"n": voucher, "d": chinese_date(voucher.expires_on)}
        )
    expires_on = data.get("expires_on")
    if expires_on is not None and expires_on < _today():
        raise ValidationError({"expires_on": _("有效期不能改到今天之前。")})
    organisation = data.get("organisation")
    if organisation is not None and organisation.pk != voucher.organisation_id:
        if voucher.redeemed_amount > 0:
            raise ValidationError({"organisation": _("已有兑付记录的创新券不能改发给其他企业。")})
        county = organisation.county
        _require_staff(by, county.pk if county else None, "update voucher", voucher)
    amount = data.get("amount")
    if amount is not None and amount < voucher.redeemed_amount:
        raise ValidationError(
            {"amount": _("面额不能低于已兑付的 %(r)s 元。") % {"r": voucher.redeemed_amount}}
        )
    return _create_or_update(
        Voucher, by=by, data=data, fields=["number", "organisation", "amount", "issued_on", "expires_on"],
        county=voucher.county_id, instance=voucher,
    )  # fmt: skip
