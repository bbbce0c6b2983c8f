"""补录: historical records entered after the fact — a payment notice published last year, a claim decided
and paid in 2019 — as a path of their own.

The live path says what happens now: a notice is published today, a claim is decided today, money is paid
after the notice's working days. History cannot follow it (the dates are gone), so it must not pretend to:
these services take the original dates and the document each record rests on (the 文号 of the decision or
the notice), flag every record they write (`is_backfill`, `backfill_reference`, who and when), and refuse
what would let history become money paid today:

- every date of a 补录 record is before today (a date today or later is a live action, not history);
- a 补录 notice never clears a live payment (services.payment_blocker ignores it);
- a claim's amount still respects its incentive rule's per-enterprise cap;
- the records are written through the same workflow table (the timeline is dated at the original
  dates via services.as_of), each write audited, all in one transaction.

Pages, the API, the `paid_claims` register (imports_backfill.py) and the CLI all call `paid_claim_backfill`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.models import Organisation
from kechuang.core.units import chinese_date
from kechuang.core.writes import require_staff

from . import services
from .docno import parse_document_number
from .models import (
    ZERO,
    Application,
    Award,
    Call,
    ClaimItem,
    Disbursement,
    FundingSource,
    IncentiveRule,
    Programme,
    PublicNotice,
    Status,
    applicant_problem,
    earlier_recognitions,
)

FLAG_FIELDS = ("is_backfill", "backfill_reference", "backfilled_by", "backfilled_at")
# A claim's decision and payment as history: these statuses were reached before the platform knew of it.
NOT_COUNTED = (Status.REJECTED, Status.WITHDRAWN, Status.DRAFT)


def real_today() -> dt.date:
    """Today by the server's clock, whatever history is being recorded (services.as_of moves the
    workflow's clock to the original dates; the rule "before today" must not move with it)."""
    return timezone.localdate(timezone.now())


def _moment(day: dt.date) -> dt.datetime:
    """The original day as a timeline moment (09:00 local time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _yuan(amount: Decimal) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01'))}"


def check_past(day: dt.date | None, field: str, label: str, *, today: dt.date | None = None) -> None:
    """A 补录 date is history: before today (a date today or in the future is a live action)."""
    today = today or real_today()
    if day is None:
        raise ValidationError({field: _("补录须填写%(l)s。") % {"l": label}})
    if day >= today:
        raise ValidationError(
            {
                field: _("补录的%(l)s须早于今天（填的是 %(d)s）；今天及以后发生的事项请按正常流程办理。")
                % {"l": label, "d": chinese_date(day)}
            }
        )


def reference_text(value: str, field: str) -> str:
    """A document number (文号) in its canonical form, or the error on `field`."""
    try:
        return parse_document_number(value or "").text
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def _flag(obj: Any, *, by: Any, reference: str, at: dt.datetime) -> None:
    obj.is_backfill = True
    obj.backfill_reference = reference
    obj.backfilled_by = by if getattr(by, "is_authenticated", False) else None
    obj.backfilled_at = at


def _flag_saved(obj: Any, *, by: Any, reference: str, at: dt.datetime, after: dict | None = None) -> None:
    """Flag a record another service created (an application) and audit the flag with it."""
    _flag(obj, by=by, reference=reference, at=at)
    values = {name: getattr(obj, name) for name in FLAG_FIELDS}
    type(obj).objects.filter(pk=obj.pk).update(**values, **(after or {}))
    for key, value in (after or {}).items():
        setattr(obj, key, value)
    snapshot = audit.snapshot(obj)
    keys = [f"{name}_id" if name == "backfilled_by" else name for name in FLAG_FIELDS] + list(after or {})
    audit.record(
        "backfill", by=by, obj=obj, before={k: None for k in keys}, after={k: snapshot.get(k) for k in keys},
        detail=_("补录：依据 %(r)s") % {"r": reference},
    )  # fmt: skip


# --- notices -----------------------------------------------------------------------------------------------


def notice_backfill(
    *,
    by: Any,
    county: Any,
    reference: str,
    published_on: dt.date,
    applications: list[Application],
    working_days: int = 5,
    title: str = "",
    purpose: str = PublicNotice.Purpose.PAYMENT,
) -> PublicNotice:
    """Record a notice published before the platform knew of it (its 文号 and original start date), or find
    the one already recorded under that 文号, and list `applications` on it. Its period must have ended
    before today: a notice still running is a live notice (publish it on the notices page)."""
    county_id = getattr(county, "pk", county)
    require_staff(by, county_id, "backfill notice")
    reference = reference_text(reference, "notice_reference")
    check_past(published_on, "notice_published_on", _("公示开始日期"))
    now = timezone.now()
    with transaction.atomic():
        notice = (
            PublicNotice.objects.select_for_update()
            .filter(county_id=county_id, is_backfill=True, backfill_reference=reference)
            .first()
        )
        if notice is None:
            notice = PublicNotice(
                county_id=county_id, purpose=purpose, published_on=published_on, working_days=working_days,
                title=title or _("%(r)s（补录）") % {"r": reference}, created_by=by,
            )  # fmt: skip
            _flag(notice, by=by, reference=reference, at=now)
            notice.full_clean()
            if notice.ends_on >= real_today():
                raise ValidationError(
                    {"notice_published_on": _("公示期至 %(d)s 尚未期满，不是历史公示：请在公示页面发布。")
                     % {"d": chinese_date(notice.ends_on)}}
                )  # fmt: skip
            notice.save()
            audit.record(
                "create", by=by, obj=notice, after=audit.snapshot(notice),
                detail=_("补录公示：%(r)s") % {"r": reference},
            )  # fmt: skip
        elif notice.published_on != published_on or notice.purpose != purpose:
            raise ValidationError(
                {"notice_published_on": _("补录公示 %(r)s 已登记为 %(d)s 开始，与本次填写的 %(e)s 不同。")
                 % {"r": reference, "d": chinese_date(notice.published_on), "e": chinese_date(published_on)}}
            )  # fmt: skip
        new = [a for a in applications if not notice.applications.filter(pk=a.pk).exists()]
        if new:
            before = audit.snapshot(notice)
            notice.applications.add(*new)
            listed_before, listed_after = audit.changed_only(before, audit.snapshot(notice))
            audit.record(
                "update", by=by, obj=notice, before=listed_before, after=listed_after,
                detail=_("补录公示名单：%(n)s") % {"n": "、".join(str(a) for a in new[:10])},
            )  # fmt: skip
    return notice


# --- paid claims -------------------------------------------------------------------------------------------


@dataclass
class PaidClaim:
    """What a 补录 of a past claim wrote (or found already recorded, `created` False)."""

    application: Application
    award: Award
    disbursement: Disbursement | None
    notice: PublicNotice | None
    created: bool
    item: ClaimItem | None = None  # the claim item this call recorded (or found)


def rule_for(programme: Programme, item: str, year: int) -> IncentiveRule | None:
    """The incentive rule of the programme's policy a claim of `year` for `item` rests on: the rule named
    `item` for achievements of year-1 (the claim rule), else the only rule named `item`. Raises when the
    policy has rules but none is named `item` (a typo must not get round a cap); None when the policy has
    no rules recorded at all."""
    policy = programme.policy
    if policy is None:
        return None
    rules = list(policy.rules.all())
    if not rules:
        return None
    named = [r for r in rules if r.item == item]
    if not named:
        items = "、".join(sorted({r.item for r in rules}))
        raise ValidationError(
            {"achievement": _("政策文件 %(p)s 中没有奖励事项“%(i)s”，可选：%(l)s。")
             % {"p": policy.number, "i": item, "l": items}}
        )  # fmt: skip
    for_year = [r for r in named if r.achievement_year == year - 1]
    if len(for_year) == 1:
        return for_year[0]
    return named[0] if len(named) == 1 else None


def cap_room(rule: IncentiveRule, organisation: Organisation, exclude: Any = None) -> Decimal | None:
    """What the enterprise may still be decided under `rule` (its per-enterprise cap less the items its
    other claims hold under the rule, live or 补录), or None when the rule sets no cap."""
    if rule.cap is None:
        return None
    items = ClaimItem.objects.filter(rule=rule, application__organisation=organisation).exclude(
        application__status__in=NOT_COUNTED
    )
    if exclude is not None:
        items = items.exclude(application=exclude)
    return rule.cap - (items.aggregate(s=Sum("amount"))["s"] or ZERO)


def _names_award(award: Award, reference: str) -> bool:
    application = award.application
    return reference in {award.certificate_no, award.registration_no, application.title} - {""}


def achievement_for(
    rule: IncentiveRule, organisation: Organisation, reference: str, amount: Decimal
) -> Award | None:
    """The recorded achievement a 补录 item of `rule` rests on, checked against the rule: the enterprise's
    award of the rule's programme in the rule's year (the one `reference` names — certificate, registration
    number or project/product name — when there are several), which must be of the rule's grade and a first
    recognition or a renewal as the rule says; None when the enterprise has no such award recorded (history
    before the platform: the item keeps `reference`). The amount is at most what the rule gives for one
    achievement. Raises ValidationError on the item's fields."""
    if amount > rule.amount:
        raise ValidationError(
            {"decided_amount": _("核定金额 %(a)s 元超过“%(i)s”每项奖励 %(r)s 元。")
             % {"a": _yuan(amount), "i": rule.item, "r": _yuan(rule.amount)}}
        )  # fmt: skip
    recorded = list(
        Award.objects.filter(
            organisation=organisation,
            programme_id=rule.achievement_id,
            decided_on__year=rule.achievement_year,
        )
        .select_related("application")
        .order_by("decided_on", "pk")
    )
    what = _("%(y)s年“%(p)s”") % {"y": rule.achievement_year, "p": rule.achievement.name}
    if reference:
        named = [a for a in recorded if _names_award(a, reference)]
        if recorded and not named:
            raise ValidationError(
                {"reference": _("该企业%(w)s的成果中没有“%(r)s”（可填：%(l)s）。")
                 % {"w": what, "r": reference,
                    "l": "、".join(sorted({a.certificate_no or a.registration_no or a.application.title
                                          for a in recorded} - {""})) or _("无编号")}}
            )  # fmt: skip
        recorded = named
    if len(recorded) > 1:
        raise ValidationError(
            {"reference": _("该企业有%(n)s项%(w)s成果，请在“成果”列填写证书编号或项目（产品）名称。")
             % {"n": len(recorded), "w": what}}
        )  # fmt: skip
    if not recorded:
        earlier = earlier_recognitions(
            organisation.pk, rule.achievement.category, dt.date(rule.achievement_year, 1, 1)
        )
        if rule.recognition == IncentiveRule.Recognition.FIRST and earlier.exists():
            raise ValidationError(
                {"achievement": _("该企业此前已认定过%(c)s，不属于“%(i)s”（仅限首次认定）。")
                 % {"c": rule.achievement.category, "i": rule.item}}
            )  # fmt: skip
        return None
    award = recorded[0]
    if not rule.rewards(award):
        fact = []
        if rule.recognition:
            renewal = earlier_recognitions(
                organisation.pk, rule.achievement.category, award.decided_on
            ).exists()
            fact.append(_("重新认定") if renewal else _("首次认定"))
        if rule.grade:
            fact.append(_("等级为“%(g)s”") % {"g": award.grade} if award.grade else _("未登记等级"))
        raise ValidationError(
            {"achievement": _("该企业的成果（%(w)s，%(f)s）不符合“%(i)s”（仅限%(c)s），请选择相应的奖励事项。")
             % {"w": what, "f": "、".join(fact), "i": rule.item, "c": rule.condition_label}}
        )  # fmt: skip
    return award


def _claim_item(
    *, rule: IncentiveRule | None, organisation: Organisation, reference: str, amount: Decimal
) -> tuple[IncentiveRule | None, Award | None]:
    if rule is None:
        return None, None
    award = achievement_for(rule, organisation, reference, amount)
    if award is not None:
        held = (
            ClaimItem.objects.filter(rule=rule, achievement=award)
            .exclude(application__status__in=NOT_COUNTED)
            .select_related("application")
            .first()
        )
        if held is not None:
            raise ValidationError(
                {"reference": _("该成果已在“%(c)s”中按“%(i)s”兑现过，同一成果只奖励一次。")
                 % {"c": held.application.call, "i": rule.item}}
            )  # fmt: skip
    room = cap_room(rule, organisation)
    if room is not None and amount > room:
        raise ValidationError(
            {"decided_amount": _("核定金额 %(a)s 元超过“%(i)s”每家上限 %(c)s 元（该企业已核定 %(d)s 元）。")
             % {"a": _yuan(amount), "i": rule.item, "c": _yuan(rule.cap or ZERO),
                "d": _yuan((rule.cap or ZERO) - room)}}
        )  # fmt: skip
    return rule, award


def _call_for(*, by: Any, programme: Programme, year: int, name: str = "") -> Call:
    """The programme's call of that year (by name when given); a year without a call gets one, named
    “YYYY年（补录）”, spanning the year, so a past claim has its round."""
    calls = list(programme.calls.filter(year=year).order_by("pk"))
    if name:
        found = [c for c in calls if c.name == name]
        if found:
            return found[0]
        raise ValidationError(
            {"call": _("“%(p)s”没有名为“%(c)s”的批次。") % {"p": programme.name, "c": name}}
        )
    if len(calls) == 1:
        return calls[0]
    if len(calls) > 1:
        raise ValidationError(
            {"call": _("“%(p)s”%(y)s年有 %(n)d 个批次，请填写批次名称。") % {"p": programme.name, "y": year, "n": len(calls)}}
        )  # fmt: skip
    backfill_name = _("%(y)s年（补录）") % {"y": year}
    existing = programme.calls.filter(name=backfill_name).first()
    if existing is not None:
        return existing
    return services.call_save(
        by=by,
        data={
            "programme": programme, "year": year, "name": backfill_name, "opens_on": dt.date(year, 1, 1),
            "closes_on": dt.date(year, 12, 31), "notes": _("补录历史兑现记录时建立的批次。"),
        },
    )  # fmt: skip


def paid_claim_backfill(*, by: Any, data: dict[str, Any], today: dt.date | None = None) -> PaidClaim:
    """Record a claim decided and paid in the past, in one step: the application (created, or the 补录
    already recorded under the same enterprise, programme, year and item), its decision (the award, with
    the decision's 文号 and date) and its payment (the disbursement, with its date), and, when given, the
    payment notice it was published on — every record flagged 补录 and audited, the timeline dated at the
    original dates.

    data: organisation, programme, year, achievement (奖励事项), decided_amount, decision_reference,
    decided_on, paid_amount, paid_on; optional call (name), source, fiscal_year, voucher_no,
    notice_reference, notice_published_on, notice_working_days."""
    today = today or real_today()
    organisation: Organisation = data["organisation"]
    programme: Programme = data["programme"]
    county_id = organisation.county.pk if organisation.county else None
    require_staff(by, county_id, "backfill claim", organisation)
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if programme.kind != Programme.Kind.INCENTIVE:
        problem("programme", _("“%(p)s”不是政策奖励，不能补录兑现记录。") % {"p": programme.name})
    elif programme.county_id != county_id:
        problem("programme", _("“%(p)s”不是该企业所在县的项目类别。") % {"p": programme.name})
    elif applicant := applicant_problem(programme, organisation):
        problem("organisation", applicant)
    year = int(data["year"])
    item = str(data.get("achievement") or "").strip()
    if not item:
        problem("achievement", _("请填写奖励事项。"))
    decided_amount = Decimal(data["decided_amount"])
    paid_amount = Decimal(data["paid_amount"])
    decided_on, paid_on = data.get("decided_on"), data.get("paid_on")
    for field, label, day in (("decided_on", _("核定日期"), decided_on), ("paid_on", _("兑现日期"), paid_on)):
        try:
            check_past(day, field, label, today=today)
        except ValidationError as exc:
            for message in exc.message_dict[field]:
                problem(field, message)
    try:
        decision_reference = reference_text(data.get("decision_reference") or "", "decision_reference")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        decision_reference = ""
    if decided_amount <= 0:
        problem("decided_amount", _("核定金额须大于 0。"))
    if paid_amount <= 0:
        problem("paid_amount", _("兑现金额须大于 0。"))
    elif paid_amount > decided_amount:
        problem("paid_amount", _("兑现金额不能超过核定金额 %(a)s 元。") % {"a": _yuan(decided_amount)})
    if decided_on and year > decided_on.year:
        problem("decided_on", _("核定日期早于申报年度 %(y)s 年。") % {"y": year})
    if decided_on and paid_on and paid_on < decided_on:
        problem("paid_on", _("兑现日期不能早于核定日期 %(d)s。") % {"d": chinese_date(decided_on)})
    notice_reference = str(data.get("notice_reference") or "").strip()
    notice_on = data.get("notice_published_on")
    if notice_reference and notice_on is None:
        problem("notice_published_on", _("填写了公示文号，须同时填写公示开始日期。"))
    if notice_on is not None and not notice_reference:
        problem("notice_reference", _("填写了公示开始日期，须同时填写公示文号。"))
    if notice_on and paid_on and notice_on > paid_on:
        problem("notice_published_on", _("公示开始日期不能晚于兑现日期。"))
    if errors:
        raise ValidationError(errors)
    assert decided_on is not None and paid_on is not None

    rule = rule_for(programme, item, year) if programme.policy_id else None
    reference = str(data.get("reference") or "").strip()
    with transaction.atomic():
        call = _call_for(by=by, programme=programme, year=year, name=str(data.get("call") or ""))
        found = Application.objects.filter(call=call, organisation=organisation).order_by("pk").first()
        if found is not None:
            already = _already_recorded(
                found,
                rule,
                item,
                reference,
                decided_amount,
                decision_reference,
                decided_on,
                paid_amount,
                paid_on,
            )
            if already is not None:
                return already
        rule, award_held = _claim_item(
            rule=rule, organisation=organisation, reference=reference, amount=decided_amount
        )
        now = timezone.now()
        comment = _("补录：依据 %(r)s") % {"r": decision_reference}
        if found is None:
            application, award = _claim_create(
                by=by, call=call, organisation=organisation, programme=programme, decided_on=decided_on,
                decided_amount=decided_amount, reference=decision_reference, comment=comment, now=now,
            )  # fmt: skip
        else:
            application, award = _claim_extend(
                by=by, application=found, amount=decided_amount, comment=comment
            )
        item_record = None
        if rule is not None:
            item_record = ClaimItem(
                application=application, rule=rule, achievement=award_held, reference=reference,
                amount=decided_amount,
            )  # fmt: skip
            item_record.full_clean()
            item_record.save()
            audit.record("create", by=by, obj=item_record, after=audit.snapshot(item_record), detail=comment)
        notice = None
        if notice_reference and notice_on is not None:
            notice = notice_backfill(
                by=by, county=application.county_id, reference=notice_reference, published_on=notice_on,
                applications=[application], working_days=int(data.get("notice_working_days") or 5),
            )  # fmt: skip
        disbursement = Disbursement(
            award=award, amount=paid_amount, source=data.get("source") or FundingSource.COUNTY,
            fiscal_year=int(data.get("fiscal_year") or paid_on.year), paid_on=paid_on,
            voucher_no=str(data.get("voucher_no") or "").strip() or decision_reference,
            tranche=award.disbursements.count() + 1, note=str(data.get("note") or "")[:300] or item,
        )  # fmt: skip
        _flag(disbursement, by=by, reference=decision_reference, at=now)
        services._save(disbursement, by=by, action="create", detail=comment)
        paid = award.disbursements.aggregate(s=Sum("amount"))["s"] or ZERO
        if application.status == Status.PAID and paid < award.amount:
            raise ValidationError(
                {"paid_amount": _("该企业本批次的补录奖励已全部兑现，再补录的奖励事项须同时足额兑现（核定 %(a)s 元）。")
                 % {"a": _yuan(decided_amount)}}
            )  # fmt: skip
        if application.status != Status.PAID and paid == award.amount:
            last = award.disbursements.order_by("-paid_on").values_list("paid_on", flat=True)[0]
            with services.as_of(_moment(last)):
                services.application_transition(
                    application=application, to=Status.PAID, by=by, comment=comment, _service="pay"
                )
    return PaidClaim(application, award, disbursement, notice, created=True, item=item_record)


def _claim_create(
    *, by: Any, call: Call, organisation: Organisation, programme: Programme, decided_on: dt.date,
    decided_amount: Decimal, reference: str, comment: str, now: dt.datetime,
) -> tuple[Application, Award]:  # fmt: skip
    """The claim itself, decided at its original date: application, timeline and award, flagged 补录."""
    with services.as_of(_moment(decided_on)):
        application = services.application_create(by=by, data={"call": call, "organisation": organisation})
        for target in (Status.SUBMITTED, Status.CHECKED):
            services.application_transition(application=application, to=target, by=by, comment=comment)
        services.application_transition(
            application=application, to=Status.DECIDED, by=by, comment=comment, _service="decide"
        )
    # What was decided is the rows' items, not what the rules would propose from every recorded achievement.
    ClaimItem.objects.filter(application=application).delete()
    _flag_saved(
        application, by=by, reference=reference, at=now,
        after={"decided_amount": decided_amount, "override_reason": comment},
    )  # fmt: skip
    award = Award(
        application=application, programme=programme, county_id=application.county_id,
        organisation_id=organisation.pk, decided_on=decided_on, document=reference, amount=decided_amount,
    )  # fmt: skip
    _flag(award, by=by, reference=reference, at=now)
    services._set_validity(award)
    services._save(award, by=by, action="create", detail=comment)
    return application, award


def _claim_extend(
    *, by: Any, application: Application, amount: Decimal, comment: str
) -> tuple[Application, Award]:
    """Another item of a 补录 claim already recorded (the same enterprise, call and decision): the decided
    amount of the claim and of its award grow by the item's amount (audited)."""
    award = Award.objects.select_for_update().get(application=application)
    before = audit.snapshot(award)
    award.amount = award.amount + amount
    award.save(update_fields=["amount", "updated_at"])
    changed_before, changed_after = audit.changed_only(before, audit.snapshot(award))
    audit.record("update", by=by, obj=award, before=changed_before, after=changed_after, detail=comment)
    decided = (application.decided_amount or ZERO) + amount
    audit.record(
        "backfill", by=by, obj=application, before={"decided_amount": application.decided_amount},
        after={"decided_amount": services._cents(decided)}, detail=comment,
    )  # fmt: skip
    Application.objects.filter(pk=application.pk).update(decided_amount=decided)
    application.decided_amount = decided
    return application, award


def _already_recorded(
    application: Application, rule: IncentiveRule | None, item: str, reference: str, decided: Decimal,
    decision: str, decided_on: dt.date, paid: Decimal, paid_on: dt.date,
) -> PaidClaim | None:  # fmt: skip
    """The enterprise's claim in the call is already recorded. A second import of the same row finds what the
    first wrote (returned, created False); another item of the same decision extends it (None); anything
    else is refused."""
    award = Award.objects.filter(application=application).first()
    if not application.is_backfill or award is None:
        raise ValidationError(
            _("该企业在该批次已有申报（%(s)s），不是补录记录，请在申报页面办理。")
            % {"s": application.get_status_display()}
        )
    if award.backfill_reference != decision or award.decided_on != decided_on:
        raise ValidationError(
            {"decision_reference": _("该企业本批次的补录奖励已按 %(r)s（%(d)s）登记，同一批次的各项奖励须为同一核定文件。")
             % {"r": award.backfill_reference, "d": chinese_date(award.decided_on)}}
        )  # fmt: skip
    payment = award.disbursements.filter(is_backfill=True, paid_on=paid_on, amount=paid).first()
    notice = application.notices.filter(is_backfill=True).first()
    if rule is None:  # a policy without rules recorded: the item is known by its payment only
        return PaidClaim(application, award, payment, notice, created=False) if payment else None
    found = application.claim_items.filter(rule=rule, reference=reference).first()
    if found is None:
        return None
    if found.amount == decided and payment is not None:
        return PaidClaim(application, award, payment, notice, created=False, item=found)
    raise ValidationError(
        _("该奖励已补录（核定 %(a)s 元，%(r)s），与本次填写的不同；已补录的记录不能经补录修改。")
        % {"a": _yuan(found.amount), "r": award.backfill_reference}
    )
