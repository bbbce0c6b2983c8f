"""补录 of a past payment to an approved project, talent or team award — above all an innovation team's
county matching funds (配套资金), which the live path pays only after a payment 公示 that ran its working days
from the moment it was published (services.payment_blocker): history cannot follow that path, the money
went out years ago with its notice. Like every 补录 record (backfill.py), the payment keeps its original
date and the document it rests on (the 文号 of the payment or the decision), is flagged, audited and shown
as 补录, and cannot become money paid today:

- its date is before today and not before the award was decided;
- matching funds come from the county budget; the sum paid stays within the award's (matching) amount;
- a 凭证号 is recorded once;
- claims are not paid here (their history is paid_claim_backfill's: a decision with its rule and cap).

The funds ledger's `disbursements` register (a row with 补录依据) and `POST
/api/programmes/backfill/award-payments` call `award_payment_backfill`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.units import chinese_date
from kechuang.core.writes import require_staff, save

from .backfill import _flag, _yuan, check_past, real_today, reference_text
from .models import ZERO, Award, Disbursement, FundingSource, Programme, Status

PAYABLE = (Status.APPROVED, Status.IN_PROGRESS, Status.ACCEPTED, Status.CLOSED)


def award_payment_backfill(
    *, by: Any, award: Award, data: dict[str, Any], today: dt.date | None = None
) -> Disbursement:
    """Record money paid in the past to a project, talent or team award.

    data: amount, paid_on, reference (文号), voucher_no; optional is_matching, source, fiscal_year,
    tranche, note."""
    today = today or real_today()
    require_staff(by, award.county_id, "backfill disbursement", award)
    if award.programme.kind == Programme.Kind.INCENTIVE:
        raise ValidationError(_("政策奖励的历史兑现请用“补录历史兑现”登记（核定与兑现一并补录）。"))
    if award.application.status not in PAYABLE:
        raise ValidationError(
            _("该申报当前为“%(s)s”，不能补录拨付。") % {"s": award.application.get_status_display()}
        )
    errors: dict[str, list[str]] = {}
    paid_on = data.get("paid_on")
    try:
        check_past(paid_on, "paid_on", _("拨付日期"), today=today)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if paid_on and paid_on < award.decided_on:
        errors.setdefault("paid_on", []).append(
            _("拨付日期不能早于批准日期 %(d)s。") % {"d": chinese_date(award.decided_on)}
        )
    try:
        reference = reference_text(str(data.get("reference") or ""), "reference")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        reference = ""
    amount = Decimal(data.get("amount") or 0)
    if amount <= 0:
        errors.setdefault("amount", []).append(_("拨付金额须大于 0。"))
    is_matching = bool(data.get("is_matching"))
    source = data.get("source") or (FundingSource.COUNTY if is_matching else "")
    if is_matching and source != FundingSource.COUNTY:
        errors.setdefault("source", []).append(_("县配套资金的来源应为县级财政。"))
    voucher_no = str(data.get("voucher_no") or "").strip() or reference
    if errors:
        raise ValidationError(errors)
    assert paid_on is not None
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        same = locked.disbursements.filter(voucher_no=voucher_no, is_matching=is_matching)
        if same.exists():
            raise ValidationError(
                {"voucher_no": _("凭证号 %(v)s 的拨付已登记，未重复登记。") % {"v": voucher_no}}
            )
        paid = locked.disbursements.filter(is_matching=is_matching).aggregate(s=Sum("amount"))["s"] or ZERO
        ceiling = locked.matching_amount if is_matching else locked.amount
        if paid + amount > ceiling:
            raise ValidationError(
                {"amount": _("累计拨付 %(t)s 元将超过%(w)s %(c)s 元（已拨付 %(p)s 元）。")
                 % {"t": _yuan(paid + amount), "w": _("配套资金") if is_matching else _("核定金额"),
                    "c": _yuan(ceiling), "p": _yuan(paid)}}
            )  # fmt: skip
        disbursement = Disbursement(
            award=locked, amount=amount, source=source, fiscal_year=int(data.get("fiscal_year") or paid_on.year),
            paid_on=paid_on, voucher_no=voucher_no, is_matching=is_matching,
            tranche=int(data.get("tranche") or locked.disbursements.filter(is_matching=is_matching).count() + 1),
            note=str(data.get("note") or "")[:300],
        )  # fmt: skip
        _flag(disbursement, by=by, reference=reference, at=timezone.now())
        save(disbursement, by=by, action="create", detail=_("补录：依据 %(r)s") % {"r": reference})
    return disbursement
