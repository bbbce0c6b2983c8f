"""Pages of the statistical returns (统计报送): the overview of return types and their rounds (an organisation
sees what it owes instead), return types, opening a round with its due date in working days, a round's
filings with bulk "已报送", and the "未报送" lists staff export to phone through. Views parse, call a selector
or a service, and render; the rules live in rnd.services and the permission module."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core import audit, permissions
from kechuang.core.models import Role
from kechuang.core.navigation import Link, Panel
from kechuang.core.views import AuthedRequest, _apply_errors, _form_page, _render_list, _visible_or_404
from kechuang.imports.excel import xlsx_response

from . import selectors_returns as selectors
from . import services
from .forms_returns import BulkSubmittedForm, FilingUpdateForm, ReturnTypeForm, RoundOpenForm, default_period
from .models import ReturnFiling, ReturnRound, ReturnType

S = ReturnFiling.Status
OWING_HEADERS = [
    "报表",
    "报告期",
    "截止日期",
    "逾期天数",
    "报送单位",
    "统一社会信用代码",
    "所在地",
    "联系人",
    "联系电话",
    "电子邮箱",
    "备注",
]


def _region_reader(user: Any) -> bool:
    return permissions.has_role(user, *permissions.READ_REGION_ROLES)


def _staff(user: Any) -> bool:
    return permissions.has_role(user, Role.STAFF)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- overview ---------------------------------------------------------------------------------------------


@login_required
def return_list(request: AuthedRequest) -> HttpResponse:
    user, today = request.user, selectors.today()
    if not _region_reader(user):
        return _own_filings(request, today)
    filters: dict[str, Any] = {
        "year": _int(request.GET.get("year")),
        "type": _int(request.GET.get("type")),
        "open": request.GET.get("open") == "1",
    }
    types = list(selectors.return_type_list(user=user).order_by("county", "-is_active", "frequency", "name"))
    rounds = selectors.round_list(
        user=user, on=today, year=filters["year"], return_type=filters["type"], open_only=filters["open"]
    )
    by_type = {k: list(g) for k, g in groupby(rounds, key=lambda r: r.return_type_id)}
    narrowed = bool(filters["year"] or filters["open"])
    groups = [
        {
            "type": t,
            "rounds": by_type.get(t.pk, []),
            "can_change": permissions.is_county_staff(user, t.county_id),
        }
        for t in types
        if (not filters["type"] or t.pk == filters["type"]) and (by_type.get(t.pk) or not narrowed)
    ]
    owed = [r for r in rounds if r.pending]  # type: ignore[attr-defined]
    context = {
        "groups": groups,
        "types": types,
        "years": selectors.round_years(user=user),
        "filters": filters,
        "counties": len({t.county_id for t in types}),
        "totals": {
            "open": len(owed),
            "pending": sum(r.pending for r in owed),  # type: ignore[attr-defined]
            "overdue": sum(r.pending for r in owed if r.deadline.state == "overdue"),  # type: ignore[attr-defined]
            "rounds": len(rounds),
        },
        "can_change": _staff(user),
        "today": today,
    }
    return _render_list(request, "rnd/returns/return_list.html", context)


def _own_filings(request: AuthedRequest, today: dt.date) -> HttpResponse:
    """An organisation's view: what it owes, by when, and whether it has been recorded as submitted."""
    filings = list(selectors.filing_list(user=request.user).order_by("round__due_on", "pk"))
    for f in filings:
        f.deadline = selectors.deadline(f.round.due_on, today, done=f.status != S.PENDING)  # type: ignore[attr-defined]
        f.weekday = selectors.weekday(f.round.due_on)  # type: ignore[attr-defined]
    pending = [f for f in filings if f.status == S.PENDING]
    done = sorted((f for f in filings if f.status != S.PENDING), key=lambda f: f.round.due_on, reverse=True)
    return render(request, "rnd/returns/own_filings.html", {"pending": pending, "done": done, "today": today})


# --- return types -----------------------------------------------------------------------------------------


def _type_form_page(request: AuthedRequest, instance: ReturnType | None) -> HttpResponse:
    form = ReturnTypeForm(request.POST or None, user=request.user, instance=instance)
    return _form_page(
        request,
        form,
        lambda data, loaded: services.return_type_save(
            by=request.user, data=data, listed=form.listed_organisations(), instance=instance, loaded=loaded
        ),
        detail=lambda row: f"{reverse('rnd:return_list')}?type={row.pk}",
        template="rnd/returns/type_form.html",
        context={"instance": instance},
        done=_("已保存报表“%(n)s”。"),
    )


@login_required
def return_type_create(request: AuthedRequest) -> HttpResponse:
    permissions.require(_staff(request.user), request.user, "create returntype", what="rnd.returntype")
    return _type_form_page(request, None)


@login_required
def return_type_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    row = _visible_or_404(request, ReturnType, pk, selectors.return_type_get)
    permissions.require(
        permissions.is_county_staff(request.user, row.county_id), request.user, "edit returntype", row
    )
    return _type_form_page(request, row)


# --- opening a round --------------------------------------------------------------------------------------


def _preview(form: RoundOpenForm, today: dt.date) -> dict[str, Any] | None:
    """What opening would do: the period, its computed due date, and how many owe it as the records stand."""
    if form.period_end is None or form.computed is None:
        return None
    rt, year, number = (form.cleaned_data[k] for k in ("return_type", "year", "number"))
    due_on = form.cleaned_data.get("due_on") or form.computed
    filers = services.obligated(rt, year, form.period_end)
    return {
        "label": ReturnRound(return_type=rt, year=year, number=number).period_label,
        "period_end": form.period_end,
        "computed": form.computed,
        "computed_weekday": selectors.weekday(form.computed),
        "due_on": due_on,
        "weekday": selectors.weekday(due_on),
        "overridden": due_on != form.computed,
        "workdays": rt.due_workdays,
        "deadline": selectors.deadline(due_on, today),
        "early": form.period_end >= today,
        "bureau": rt.obligation == ReturnType.Obligation.BUREAU,
        "filers": len(filers),
        "sample": filers[:8],
    }


@login_required
def round_open(request: AuthedRequest) -> HttpResponse:
    user, today = request.user, selectors.today()
    permissions.require(_staff(user), user, "open returnround", what="rnd.returnround")
    live = reverse("rnd:round_open")
    if request.method == "POST":
        form = RoundOpenForm(request.POST, user=user, live=live)
    elif request.GET.get("return_type"):
        # The htmx preview, or a link with the return type chosen: a newly chosen type starts at the
        # period that has just ended.
        data = request.GET.copy()
        rt = selectors.return_type_list(user=user).filter(pk=_int(data.get("return_type")) or 0).first()
        if rt is not None and (data.get("changed") == "type" or not data.get("year")):
            data["year"], data["number"] = (str(v) for v in default_period(rt, today))
        form = RoundOpenForm(data, user=user, live=live)
    else:
        form = RoundOpenForm(user=user, live=live, initial={"year": today.year, "number": 0})
    valid = form.is_bound and form.is_valid()
    if request.method == "POST" and valid and request.POST.get("confirm") == "1":
        chosen = form.cleaned_data
        try:
            rnd = services.return_round_open(
                by=user, return_type=chosen["return_type"], year=chosen["year"], number=chosen["number"],
                due_on=chosen.get("due_on"),
            )  # fmt: skip
        except ValidationError as e:
            _apply_errors(form, e)
            valid = False
        else:
            messages.success(
                request,
                _("已开启%(r)s，截止日期 %(d)s，共 %(n)d 家单位须报送。")
                % {"r": rnd, "d": f"{rnd.due_on:%Y-%m-%d}", "n": rnd.filings.count()},
            )
            return redirect("rnd:round_detail", pk=rnd.pk)
    context = {"form": form, "preview": _preview(form, today) if valid else None, "today": today}
    template = "rnd/returns/round_open.html"
    if request.htmx and not request.htmx.boosted:
        template += "#openform"
    return render(request, template, context)


# --- a round and its filings ------------------------------------------------------------------------------


@login_required
def round_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user, today = request.user, selectors.today()
    rnd = _visible_or_404(request, ReturnRound, pk, selectors.round_get)
    rnd = selectors.with_counts(user, [rnd], today)[0]
    status = request.GET.get("status", "")
    filings = selectors.filing_list(user=user).filter(round=rnd)
    if status in S.values:
        filings = filings.filter(status=status)
    filings = filings.order_by("status", "organisation__name", "pk")
    can_change = permissions.is_county_staff(user, rnd.county_id)
    own = set(permissions.own_organisation_ids(user))
    rows = list(filings)
    for f in rows:
        f.can_change = can_change or f.organisation_id in own  # type: ignore[attr-defined]
    context = {
        "round": rnd,
        "filings": rows,
        "status": status,
        "statuses": S.choices,
        "can_change": can_change,
        "can_export": permissions.can_export(user),
        "is_reader": _region_reader(user),
        "today": today,
    }
    return render(request, "rnd/returns/round_detail.html", context)


@login_required
@require_POST
def round_mark_submitted(request: AuthedRequest, pk: int) -> HttpResponse:
    user, today = request.user, selectors.today()
    rnd = _visible_or_404(request, ReturnRound, pk, selectors.round_get)
    permissions.require(permissions.is_county_staff(user, rnd.county_id), user, "mark returnfilings", rnd)
    choices = list(rnd.filings.values_list("pk", flat=True))
    form = BulkSubmittedForm(request.POST, today=today, choices=choices)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    else:
        picked = list(rnd.filings.filter(pk__in=form.cleaned_data["ids"]).select_related("organisation"))
        try:
            done = services.filings_mark_submitted(
                by=user, filings=picked, submitted_on=form.cleaned_data["submitted_on"]
            )
        except ValidationError as e:
            for message in e.messages:
                messages.error(request, message)
            return redirect("rnd:round_detail", pk=rnd.pk)
        skipped = len(picked) - done
        message = _("已将 %(n)d 家单位标记为已报送（报送日期 %(d)s）。") % {
            "n": done,
            "d": f"{form.cleaned_data['submitted_on']:%Y-%m-%d}",
        }
        if skipped:
            message += _("另有 %(n)d 家原已是“已报送”，未改动。") % {"n": skipped}
        messages.success(request, message)
    return redirect("rnd:round_detail", pk=rnd.pk)


@login_required
@require_POST
def filing_update(request: AuthedRequest, pk: int) -> HttpResponse:
    """One filing's status: staff set any; an organisation marks its own submitted (or takes that back)."""
    user, today = request.user, selectors.today()
    filing = _visible_or_404(request, ReturnFiling, pk, selectors.filing_get)
    form = FilingUpdateForm(request.POST, today=today)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    else:
        data = form.cleaned_data
        try:
            services.filing_update(
                by=user, filing=filing, status=data["status"], submitted_on=data.get("submitted_on"),
                note=data.get("note", "").strip() if "note" in request.POST else None,
            )  # fmt: skip
        except ValidationError as e:
            for message in e.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(o)s：已改为“%(s)s”。") % {"o": filing.filer_name, "s": S(data["status"]).label},
            )
    back = request.POST.get("next", "")
    if back.startswith("/rnd/returns/") and "//" not in back:
        return redirect(back)
    return redirect("rnd:round_detail", pk=filing.round_id)


# --- who still owes: lists and exports --------------------------------------------------------------------


def _owing_rows(filings: list[ReturnFiling], today: dt.date) -> list[list[Any]]:
    rows = []
    for f in filings:
        org = f.organisation
        late = (today - f.round.due_on).days
        rows.append(
            [
                f.round.return_type.name,
                f.round.period_label,
                f.round.due_on,
                late if late > 0 else 0,
                f.filer_name,
                org.credit_code if org else "",
                org.region.name if org else f.round.county.name,
                org.contact_name if org else "",
                org.contact_phone if org else "",
                org.contact_email if org else "",
                f.note,
            ]
        )
    return rows


def _export(request: HttpRequest, title: str, filings: list[ReturnFiling], today: dt.date) -> HttpResponse:
    rows = _owing_rows(filings, today)
    params = {k: v for k, v in request.GET.items() if k != "export"}
    audit.record(
        "export",
        by=request.user,
        object_type="rnd.returnfiling",
        object_repr=title,
        after={"rows": len(rows), "filters": params},
        detail=_("导出%(t)s %(n)d 条") % {"t": title, "n": len(rows)},
    )
    return xlsx_response(title, OWING_HEADERS, rows)


def _require_export(request: HttpRequest, what: str) -> None:
    user = request.user
    permissions.require(permissions.can_export(user), user, f"export.{what}", what="rnd.returnfiling")


@login_required
def round_owing_export(request: AuthedRequest, pk: int) -> HttpResponse:
    rnd = _visible_or_404(request, ReturnRound, pk, selectors.round_get)
    _require_export(request, "round_owing")
    filings = list(
        selectors.filing_list(user=request.user)
        .filter(round=rnd, status=S.PENDING)
        .order_by("organisation__name", "pk")
    )
    title = f"{rnd.return_type.name}{rnd.period_label}未报送名单"
    return _export(request, title, filings, selectors.today())


@login_required
def owing(request: AuthedRequest) -> HttpResponse:
    user, today = request.user, selectors.today()
    _require_export(request, "owing")
    filters = {
        "type": _int(request.GET.get("type")),
        "all": request.GET.get("all") == "1",
        "by_organisation": request.GET.get("order") == "organisation",
    }
    found = selectors.owing(user=user, on=today, overdue_only=not filters["all"], return_type=filters["type"])
    if filters["by_organisation"]:  # one call per organisation, whatever it owes
        found = found.order_by("organisation__name", "round__due_on", "pk")
    rows = list(found)
    if request.GET.get("export") == "xlsx":
        return _export(request, _("逾期未报名单") if not filters["all"] else _("未报送名单"), rows, today)
    for f in rows:
        f.deadline = selectors.deadline(f.round.due_on, today)  # type: ignore[attr-defined]
    context = {
        "rows": rows,
        "filters": filters,
        "types": selectors.return_type_list(user=user).order_by("name"),
        "organisations": len({f.organisation_id for f in rows}),
        "rounds": len({f.round_id for f in rows}),
        "today": today,
    }
    return _render_list(request, "rnd/returns/owing.html", context)


# --- home panels ------------------------------------------------------------------------------------------


def staff_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if not _staff(user):
        return None
    today = selectors.today()
    rounds = selectors.due_soon(user=user, on=today)
    if not rounds:
        return None
    overdue = [r for r in rounds if r.deadline.state == "overdue"]  # type: ignore[attr-defined]
    return {
        "rounds": rounds[:8],
        "more": max(len(rounds) - 8, 0),
        "overdue_rounds": len(overdue),
        "overdue_filings": sum(r.pending for r in overdue),  # type: ignore[attr-defined]
        "soon_rounds": len(rounds) - len(overdue),
        "workdays": selectors.SOON_WORKDAYS,
    }


def organisation_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if _region_reader(user) or not permissions.own_organisation_ids(user):
        return None
    filings = list(selectors.outstanding(user=user)[:8])
    if not filings:
        return None
    today = selectors.today()
    for f in filings:
        f.deadline = selectors.deadline(f.round.due_on, today)  # type: ignore[attr-defined]
        f.weekday = selectors.weekday(f.round.due_on)  # type: ignore[attr-defined]
    return {"filings": filings}


urlpatterns: list[URLPattern] = [
    path("returns/", return_list, name="return_list"),
    path("returns/types/new/", return_type_create, name="return_type_create"),
    path("returns/types/<int:pk>/edit/", return_type_edit, name="return_type_edit"),
    path("returns/rounds/new/", round_open, name="round_open"),
    path("returns/rounds/<int:pk>/", round_detail, name="round_detail"),
    path("returns/rounds/<int:pk>/submitted/", round_mark_submitted, name="round_mark_submitted"),
    path("returns/rounds/<int:pk>/owing.xlsx", round_owing_export, name="round_owing_export"),
    path("returns/filings/<int:pk>/", filing_update, name="filing_update"),
    path("returns/owing/", owing, name="owing"),
]

# shown on the 研发经费投入 stream page
LINKS: list[Link] = [
    Link(
        gettext_lazy("统计报送"),
        "rnd:return_list",
        gettext_lazy("火炬统计、高企年报与季报、财政科技支出调查等报表的报送期、截止日期与报送进度。"),
    ),
    Link(
        gettext_lazy("逾期未报名单"),
        "rnd:owing",
        gettext_lazy("已过截止日期仍未报送的单位及联系人，可导出 Excel 逐一催报。"),
        permissions.can_export,
    ),
]
HOME_PANELS: list[Panel] = [
    Panel("rnd/returns/_home_staff.html", staff_panel),
    Panel("rnd/returns/_home_organisation.html", organisation_panel),
]
