"""Pages of money and qualifications: an award with its milestones and disbursements (and the 拨付 form),
the funds ledger (资金台账), the qualification register (资质库), innovation vouchers and their providers.
Views parse, call a selector or a service, and render; htmx requests get the `#results` partial."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import audit, permissions, units
from kechuang.core.forms import staff_counties
from kechuang.core.models import Role
from kechuang.core.views import AuthedRequest, _apply_errors, _form_page, _page, _render_list, _visible_or_404
from kechuang.imports.excel import xlsx_response

from . import selectors, services
from .forms_funds import (
    AmendForm,
    AwardForm,
    DisbursementForm,
    MilestoneForm,
    ProviderForm,
    RedeemForm,
    VoucherIssueForm,
)
from .models import (
    ZERO,
    Award,
    FundingSource,
    Milestone,
    Programme,
    ServiceProvider,
    Status,
    Voucher,
)

EXPORT_LIMIT = 100_000
EXPIRY_MONTHS = 6
PAYABLE = {Status.APPROVED, Status.IN_PROGRESS, Status.ACCEPTED}
STATE_LABELS = {
    "valid": gettext_lazy("有效"),
    "expiring": gettext_lazy("即将到期"),
    "expired": gettext_lazy("已过期"),
}


def _today() -> dt.date:
    return services.today()  # the services' clock, so the page offers what the service will accept


def _application_url(pk: int) -> str:
    try:
        return reverse("programmes:application_detail", args=[pk])
    except NoReverseMatch:  # the applications pages are mounted by their own module
        return f"/programmes/applications/{pk}/"


def _is_staff_of(user: Any, county_id: str) -> bool:
    return permissions.is_county_staff(user, county_id)


def _require_staff_of(request: HttpRequest, county_id: str, action: str, obj: Any) -> None:
    permissions.require(_is_staff_of(request.user, county_id), request.user, action, obj)


def _export_allowed(request: HttpRequest, what: str) -> None:
    permissions.require(permissions.can_export(request.user), request.user, f"export.{what}", what=what)


def _audited_export(
    request: HttpRequest,
    *,
    title: str,
    object_type: str,
    headers: list[str],
    rows: list[list[Any]],
    filters: Any,
) -> HttpResponse:
    """An .xlsx download of what the page lists, with its "export" audit event (who, what, which filters)."""
    params = {k: v for k, v in request.GET.items() if k not in ("export", "page")}
    audit.record(
        "export",
        by=request.user,
        object_type=object_type,
        object_repr=title,
        after={"rows": len(rows), "filters": params},
        detail=_("导出%(t)s %(n)d 条") % {"t": title, "n": len(rows)},
    )
    return xlsx_response(title, headers, rows)


def _with_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    top = max((r["total"] or ZERO for r in rows), default=ZERO)
    for r in rows:
        r["pct"] = int((r["total"] or ZERO) * 100 / top) if top else 0
    return rows


# --- awards ------------------------------------------------------------------------------------------------------


def _validity(award: Award, today: dt.date) -> str:
    """As selectors.qualification_register: expired, expiring (a qualification within 6 months) or valid."""
    if award.valid_until is None:
        return ""
    if award.valid_until < today:
        return "expired"
    soon = today + relativedelta(months=EXPIRY_MONTHS)
    if award.programme.award_form == Programme.AwardForm.QUALIFICATION and award.valid_until <= soon:
        return "expiring"
    return "valid"


def _pay_closed(award: Award, paid: Decimal, matching_paid: Decimal) -> str:
    """Why no money can be recorded against this award at all (empty when some can)."""
    application = award.application
    if award.programme.kind == Programme.Kind.INCENTIVE:
        if application.status == Status.PAID:
            return _("该奖励已全额兑现。")
        if application.status != Status.DECIDED:
            return _("奖励须核定金额后才能兑现（当前：%(s)s）。") % {"s": application.get_status_display()}
    elif application.status not in PAYABLE:
        return _("只有已立项/认定的项目可以拨付资金（当前：%(s)s）。") % {
            "s": application.get_status_display()
        }
    if award.amount <= 0 and award.matching_amount <= 0:
        return _("该结果没有补助或配套资金。")
    if paid >= award.amount and matching_paid >= award.matching_amount:
        return _("补助与配套资金均已全额拨付。") if award.matching_amount else _("补助资金已全额拨付。")
    return ""


def _award_page(
    request: AuthedRequest, award: Award, *, pay_form: DisbursementForm | None = None
) -> HttpResponse:
    user, today = request.user, _today()
    is_claim = award.programme.kind == Programme.Kind.INCENTIVE
    can_change = _is_staff_of(user, award.county_id)
    milestones = list(selectors.milestone_list(user=user, award=award))
    for m in milestones:
        m.overdue = m.done_on is None and m.due_on < today  # type: ignore[attr-defined]
    disbursements = list(selectors.disbursement_list(user=user).filter(award=award).order_by("paid_on", "pk"))
    paid = sum((d.amount for d in disbursements if not d.is_matching), ZERO)
    matching_paid = sum((d.amount for d in disbursements if d.is_matching), ZERO)
    context: dict[str, Any] = {
        "award": award,
        "application": award.application,
        "application_url": _application_url(award.application_id),
        "is_claim": is_claim,
        "is_project": award.programme.award_form == Programme.AwardForm.PROJECT,
        "can_change": can_change,
        "milestones": milestones,
        "disbursements": disbursements,
        "paid": paid,
        "matching_paid": matching_paid,
        "remaining": award.amount - paid,
        "matching_remaining": award.matching_amount - matching_paid,
        "days_left": (award.valid_until - today).days if award.valid_until else None,
        "validity": _validity(award, today),
        "notices": _with_states(
            selectors.notice_list(user=user)
            .filter(applications=award.application_id)
            .order_by("published_on", "pk"),
            today,
        ),
        "today": today,
        "can_amend": can_change and is_claim and award.application.status == Status.DECIDED,
    }
    if can_change:
        closed = _pay_closed(award, paid, matching_paid)
        # County money (a claim, matching funds) waits for its payment 公示 (services.payment_blocker).
        blocker = services.payment_blocker(award, today) if (is_claim or award.matching_amount) else None
        show_form = not closed and not (is_claim and blocker)
        if show_form and pay_form is None:
            remaining = award.amount - paid if award.amount > paid else award.matching_amount - matching_paid
            pay_form = DisbursementForm(
                award=award,
                today=today,
                remaining=remaining,
                next_tranche=max((d.tranche for d in disbursements), default=0) + 1,
            )
        context.update(pay_closed=closed, blocker=blocker, pay_form=pay_form if show_form else None)
    return render(request, "programmes/award_detail.html", context)


def _with_states(notices: Any, today: dt.date) -> list[Any]:
    from .views_notices import notice_state

    rows = list(notices)
    for n in rows:
        n.state_class, n.state_label = notice_state(n, today)
    return rows


@login_required
def award_amend(request: AuthedRequest, pk: int) -> HttpResponse:
    """调整核定金额: re-decide a claim's amount, with a reason, until it is paid (services.award_amend)."""
    award = _visible_or_404(request, Award, pk, selectors.award_get)
    _require_staff_of(request, award.county_id, "award.amend", award)
    application = award.application
    form = AmendForm(request.POST or None, award=award)
    if request.method == "POST" and form.is_valid():
        try:
            services.award_amend(
                by=request.user,
                award=award,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request,
                _("已将核定金额调整为 %(a)s，须重新发布资金兑现公示后拨付。")
                % {"a": units.money(form.cleaned_data["amount"])},
            )
            return redirect("programmes:award_detail", pk=award.pk)
    paid = award.disbursements.filter(is_matching=False).aggregate(s=Sum("amount"))["s"] or ZERO
    ceiling, basis = services.claim_ceiling(application)
    return render(
        request,
        "programmes/award_amend.html",
        {
            "award": award,
            "application": application,
            "application_url": _application_url(application.pk),
            "form": form,
            "paid": paid,
            "ceiling": ceiling,
            "basis": basis,
            "is_claim": award.programme.kind == Programme.Kind.INCENTIVE,
            "open": award.programme.kind == Programme.Kind.INCENTIVE and application.status == Status.DECIDED,
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
def award_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    award = _visible_or_404(request, Award, pk, selectors.award_get)
    return _award_page(request, award)


@login_required
def award_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    award = _visible_or_404(request, Award, pk, selectors.award_get)
    _require_staff_of(request, award.county_id, "award.update", award)
    return _form_page(
        request,
        AwardForm(request.POST or None, award=award),
        lambda data, loaded: services.award_update(by=request.user, award=award, data=data, loaded=loaded),
        detail="programmes:award_detail",
        template="programmes/award_form.html",
        context={"award": award},
        done=_("已保存：%(n)s"),
    )


def _milestone_page(request: AuthedRequest, award: Award, milestone: Milestone | None) -> HttpResponse:
    return _form_page(
        request,
        MilestoneForm(request.POST or None, instance=milestone),
        lambda data, loaded: services.milestone_save(
            by=request.user, award=award, data=data, milestone=milestone, loaded=loaded
        ),
        detail=lambda saved: reverse("programmes:award_detail", args=[award.pk]),
        template="programmes/award_milestone_form.html",
        context={"award": award, "milestone": milestone},
        done=_("已保存项目节点：%(n)s"),
    )


@login_required
def milestone_create(request: AuthedRequest, pk: int) -> HttpResponse:
    award = _visible_or_404(request, Award, pk, selectors.award_get)
    _require_staff_of(request, award.county_id, "milestone.create", award)
    return _milestone_page(request, award, None)


@login_required
def milestone_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    milestone = _visible_or_404(request, Milestone, pk, selectors.milestone_get)
    award = selectors.award_get(user=request.user, pk=milestone.award_id)
    _require_staff_of(request, award.county_id, "milestone.update", milestone)
    return _milestone_page(request, award, milestone)


@login_required
def disbursement_create(request: AuthedRequest, pk: int) -> HttpResponse:
    award = _visible_or_404(request, Award, pk, selectors.award_get)
    if request.method != "POST":
        return redirect("programmes:award_detail", pk=award.pk)
    _require_staff_of(request, award.county_id, "disbursement.create", award)
    form = DisbursementForm(request.POST, award=award, today=_today(), remaining=ZERO, next_tranche=1)
    if form.is_valid():
        try:
            services.disbursement_create(by=request.user, award=award, data=form.service_data())
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request, _("已记录拨付 %(a)s。") % {"a": units.money(form.cleaned_data["amount"])}
            )
            return redirect("programmes:award_detail", pk=award.pk)
    award.application.refresh_from_db()
    return _award_page(request, award, pay_form=form)


# --- the funds ledger ---------------------------------------------------------------------------------------------

LEDGER_GROUPS = (
    ("source", gettext_lazy("按资金来源")),
    ("fiscal_year", gettext_lazy("按预算年度")),
    ("programme", gettext_lazy("按项目类别")),
    ("organisation", gettext_lazy("按企业")),
)


def _ledger_key_label(by: str, key: Any) -> str:
    if by == "source":
        return str(FundingSource(key).label) if key in FundingSource.values else str(key or "—")
    if by == "fiscal_year":
        return _("%(y)s年") % {"y": key}
    if by == "organisation" and key is None:
        return _("（个人）")
    return str(key)


@login_required
def ledger(request: AuthedRequest) -> HttpResponse:
    filters = selectors.ledger_filters(request.GET)
    qs = selectors.ledger(user=request.user, **filters)
    if request.GET.get("export") == "xlsx":
        return _ledger_export(request, qs, filters)
    groups = []
    for by, label in LEDGER_GROUPS:
        rows = selectors.ledger_totals(qs, by)
        for row in rows:
            row["label"] = _ledger_key_label(by, row["key"])
        groups.append({"by": by, "label": label, "rows": _with_bars(rows)})
    totals = qs.aggregate(
        total=Sum("amount"),
        n=Count("pk"),
        matching=Sum("amount", filter=Q(is_matching=True)),
        holders=Count("award__organisation", distinct=True),
    )
    return _render_list(
        request,
        "programmes/ledger.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "groups": groups,
            "totals": totals,
            "years": selectors.ledger_years(user=request.user),
            "sources": FundingSource.choices,
            "kinds": Programme.Kind.choices,
        },
    )


def _ledger_export(request: AuthedRequest, qs: Any, filters: dict[str, Any]) -> HttpResponse:
    _export_allowed(request, "programmes.disbursement")
    headers = [
        _("拨付日期"), _("预算年度"), _("项目类别"), _("类型"), _("层级"), _("获得单位/个人"), _("统一社会信用代码"),
        _("金额（元）"), _("金额（万元）"), _("资金来源"), _("配套资金"), _("期次"), _("凭证号"), _("备注"),
        _("补录"), _("补录依据（文号）"),
    ]  # fmt: skip
    rows = []
    for d in qs[:EXPORT_LIMIT]:
        award = d.award
        org = award.organisation
        rows.append(
            [
                d.paid_on,
                d.fiscal_year,
                award.programme.name,
                award.programme.get_kind_display(),
                award.programme.get_level_display(),
                org.name if org else award.person.name if award.person else "",
                org.credit_code if org else "",
                d.amount,
                d.amount / Decimal(10_000),
                d.get_source_display(),
                d.is_matching,
                d.tranche,
                d.voucher_no,
                d.note,
                _("补录") if d.is_backfill else "",
                d.backfill_reference,
            ]  # fmt: skip
        )
    return _audited_export(
        request,
        title=_("资金台账"),
        object_type="programmes.disbursement",
        headers=headers,
        rows=rows,
        filters=filters,
    )


# --- the qualification register --------------------------------------------------------------------------------------


@login_required
def qualification_list(request: AuthedRequest) -> HttpResponse:
    user, today = request.user, _today()
    filters = selectors.qualification_filters(request.GET)
    qs = selectors.qualification_register(user=user, today=today, **filters)
    if request.GET.get("export") == "xlsx":
        return _qualification_export(request, qs, filters, today)
    counts = dict.fromkeys(selectors.QUALIFICATION_STATES, 0)
    for row in (
        selectors.qualification_register(user=user, today=today)
        .order_by()
        .values("validity")  # type: ignore[misc]  # an annotation of qualification_register
        .annotate(n=Count("pk"))
    ):
        counts[row["validity"]] = row["n"]
    page = _page(request, qs)
    for award in page:
        award.days_left = (award.valid_until - today).days if award.valid_until else None
    return _render_list(
        request,
        "programmes/qualification_list.html",
        {
            "page": page,
            "filters": filters,
            "counts": counts,
            "total": sum(counts.values()),
            "categories": selectors.qualification_categories(user=user),
            "states": [(k, label, counts[k]) for k, label in STATE_LABELS.items()],
            "today": today,
        },
    )


def _qualification_export(
    request: AuthedRequest, qs: Any, filters: dict[str, Any], today: dt.date
) -> HttpResponse:
    _export_allowed(request, "programmes.award")
    headers = [
        _("持有单位/个人"), _("统一社会信用代码"), _("类别"), _("项目"), _("层级"), _("证书编号"), _("入库登记编号"),
        _("批准日期"), _("有效期起"), _("有效期至"), _("剩余天数"), _("状态"),
    ]  # fmt: skip
    rows = []
    for a in qs[:EXPORT_LIMIT]:
        org = a.organisation
        rows.append(
            [
                org.name if org else a.person.name if a.person else "",
                org.credit_code if org else "",
                a.programme.category,
                a.programme.name,
                a.programme.get_level_display(),
                a.certificate_no,
                a.registration_no,
                a.decided_on,
                a.valid_from,
                a.valid_until,
                (a.valid_until - today).days if a.valid_until else None,
                str(STATE_LABELS[a.validity]),
            ]  # fmt: skip
        )
    title = _("资质到期提醒") if filters["expiring"] else _("资质库")
    return _audited_export(
        request, title=title, object_type="programmes.award", headers=headers, rows=rows, filters=filters
    )


# --- innovation vouchers ------------------------------------------------------------------------------------------------


@login_required
def voucher_list(request: AuthedRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    filters = {
        "q": request.GET.get("q", "").strip(),
        "state": state if state in Voucher.State.values else "",
    }
    qs = selectors.voucher_list(user=request.user, **filters).order_by("-issued_on", "number")
    totals = qs.aggregate(n=Count("pk"), amount=Sum("amount"), redeemed=Sum("redeemed_amount"))
    totals["balance"] = (totals["amount"] or ZERO) - (totals["redeemed"] or ZERO)
    return _render_list(
        request,
        "programmes/voucher_list.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "totals": totals,
            "states": Voucher.State.choices,
            "today": _today(),
            "can_issue": permissions.has_role(request.user, Role.STAFF),
        },
    )


@login_required
def voucher_issue(request: AuthedRequest) -> HttpResponse:
    permissions.require(
        permissions.has_role(request.user, Role.STAFF),
        request.user,
        "voucher.issue",
        what="programmes.voucher",
    )
    return _form_page(
        request,
        VoucherIssueForm(request.POST or None, user=request.user, today=_today()),
        lambda data, loaded=None: services.voucher_issue(by=request.user, data=data),
        detail="programmes:voucher_detail",
        template="programmes/voucher_form.html",
        context={},
        done=_("已发放创新券 %(n)s。"),
    )


def _voucher_page(
    request: AuthedRequest, voucher: Voucher, *, form: RedeemForm | None = None
) -> HttpResponse:
    user, today = request.user, _today()
    redemptions = list(
        selectors.redemption_list(user=user).filter(voucher=voucher).select_related("provider__organisation")
    )
    can_redeem = _is_staff_of(user, voucher.county_id) and voucher.state == Voucher.State.ISSUED
    if can_redeem and form is None:
        form = _redeem_form(request, voucher, None)
    return render(
        request,
        "programmes/voucher_detail.html",
        {
            "voucher": voucher,
            "redemptions": redemptions,
            "form": form if can_redeem else None,
            "lapsed": voucher.state == Voucher.State.ISSUED and voucher.expires_on < today,
            "can_see_providers": permissions.has_role(user, *permissions.READ_REGION_ROLES),
            "today": today,
        },
    )


def _redeem_form(request: AuthedRequest, voucher: Voucher, data: Any) -> RedeemForm:
    providers = selectors.provider_list(user=request.user).filter(county_id=voucher.county_id, is_active=True)
    return RedeemForm(data, voucher=voucher, providers=providers, today=_today())


@login_required
def voucher_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    voucher = _visible_or_404(request, Voucher, pk, selectors.voucher_get)
    return _voucher_page(request, voucher)


@login_required
def voucher_redeem(request: AuthedRequest, pk: int) -> HttpResponse:
    voucher = _visible_or_404(request, Voucher, pk, selectors.voucher_get)
    if request.method != "POST":
        return redirect("programmes:voucher_detail", pk=voucher.pk)
    _require_staff_of(request, voucher.county_id, "voucher.redeem", voucher)
    form = _redeem_form(request, voucher, request.POST)
    if form.is_valid():
        try:
            services.voucher_redeem(by=request.user, voucher=voucher, data=form.service_data())
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request, _("已记录兑付 %(a)s。") % {"a": units.money(form.cleaned_data["amount"])}
            )
            return redirect("programmes:voucher_detail", pk=voucher.pk)
    voucher.refresh_from_db()
    return _voucher_page(request, voucher, form=form)


# --- providers -------------------------------------------------------------------------------------------------------------


@login_required
def provider_list(request: AuthedRequest) -> HttpResponse:
    providers = selectors.provider_ledger(user=request.user)
    return render(
        request,
        "programmes/provider_list.html",
        {"providers": providers, "can_create": permissions.has_role(request.user, Role.STAFF)},
    )


@login_required
def provider_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(
        staff_counties(request.user).exists(),
        request.user,
        "provider.create",
        what="programmes.serviceprovider",
    )
    return _form_page(
        request,
        ProviderForm(request.POST or None, user=request.user, today=_today()),
        lambda data, loaded=None: services.provider_save(by=request.user, data=data),
        detail="programmes:provider_detail",
        template="programmes/provider_form.html",
        context={},
        done=_("已登记服务机构：%(n)s"),
    )


@login_required
def provider_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    provider = _visible_or_404(request, ServiceProvider, pk, selectors.provider_get)
    redemptions = selectors.redemption_list(user=request.user, provider=provider)
    totals = redemptions.aggregate(
        n=Count("pk"),
        amount=Sum("amount"),
        contracts=Sum("contract_amount"),
        firms=Count("voucher__organisation", distinct=True),
    )
    return _render_list(
        request,
        "programmes/provider_detail.html",
        {"provider": provider, "page": _page(request, redemptions), "totals": totals},
    )


urlpatterns: list[URLPattern] = [
    path("awards/<int:pk>/", award_detail, name="award_detail"),
    path("awards/<int:pk>/edit/", award_edit, name="award_edit"),
    path("awards/<int:pk>/amend/", award_amend, name="award_amend"),
    path("awards/<int:pk>/milestones/new/", milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/edit/", milestone_edit, name="milestone_edit"),
    path("awards/<int:pk>/pay/", disbursement_create, name="disbursement_create"),
    path("funds/", ledger, name="ledger"),
    path("qualifications/", qualification_list, name="qualification_list"),
    path("vouchers/", voucher_list, name="voucher_list"),
    path("vouchers/new/", voucher_issue, name="voucher_issue"),
    path("vouchers/<int:pk>/", voucher_detail, name="voucher_detail"),
    path("vouchers/<int:pk>/redeem/", voucher_redeem, name="voucher_redeem"),
    path("providers/", provider_list, name="provider_list"),
    path("providers/new/", provider_create, name="provider_create"),
    path("providers/<int:pk>/", provider_detail, name="provider_detail"),
]
