"""Pages of public notices (公示) and their objections, the coaching log (服务记录), the reminder inbox
and the county's reminder channels.

A notice is published by the county's staff before money is paid or a recommendation goes up; its page
is the printable notice itself (and a Word and an Excel file of it), with the objections and their
handling below for staff. The coaching log records every contact with an enterprise. The inbox is each
user's own; the channels (e-mail, 企业微信 / 钉钉 group robots) are the county staff's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, permissions
from kechuang.core import selectors as core_selectors
from kechuang.core.models import Organisation, Region
from kechuang.core.units import chinese_date
from kechuang.core.views import AuthedRequest, _apply_errors, _page, _render_list, _save_form, _visible_or_404

from . import documents, selectors, services
from .forms_notices import (
    DEFAULT_BODY,
    NoticeForm,
    NoticeWithdrawForm,
    ObjectionForm,
    ObjectionResolveForm,
    ReminderChannelForm,
    ServiceLogForm,
    default_title,
)
from .models import Call, Notification, Objection, Programme, PublicNotice, ReminderChannel, ServiceLog

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- helpers --------------------------------------------------------------------------------------------------


def _staff_counties(user: Any) -> QuerySet[Region]:
    """The counties whose work this user runs as bureau staff."""
    counties = core_selectors.counties_for(user)
    return counties.filter(code__in=[c.code for c in counties if permissions.is_county_staff(user, c.code)])


def _require_reader(request: HttpRequest, action: str, what: str) -> None:
    """County registers are read by region roles (staff, leaders, city and province)."""
    permissions.require(
        permissions.has_role(request.user, *permissions.READ_REGION_ROLES), request.user, action, what=what
    )


def _require_any_staff(request: HttpRequest, action: str, what: str) -> None:
    permissions.require(
        bool(permissions.region_prefixes(request.user, permissions.WRITE_REGION_ROLES)),
        request.user,
        action,
        what=what,
    )


def _require_county_staff(request: HttpRequest, county_code: str, action: str, obj: Any) -> None:
    permissions.require(
        permissions.is_county_staff(request.user, county_code), request.user, action, obj, what=action
    )


def notice_state(notice: PublicNotice, today: Any) -> tuple[str, str]:
    """(css modifier, label) of a notice on a given day. The period is counted from when the notice was
    really published (PublicNotice.payable_after)."""
    if notice.is_withdrawn:
        return "tag-denied", _("已撤回")
    if today < notice.published_on:
        return "", _("未开始")
    if today <= notice.payable_after():
        return "tag-failed", _("公示中")
    return "tag-ok", _("已期满")


_notice_state = notice_state


# --- notices --------------------------------------------------------------------------------------------------


@login_required
def notice_list(request: AuthedRequest) -> HttpResponse:
    _require_reader(request, "notice.list", "programmes.publicnotice")
    q = request.GET.get("q", "").strip()
    purpose = request.GET.get("purpose", "")
    qs = selectors.notice_list(user=request.user).select_related("county")
    if q:
        qs = qs.filter(title__icontains=q)
    if purpose in PublicNotice.Purpose.values:
        qs = qs.filter(purpose=purpose)
    qs = qs.annotate(
        n_applications=Count("applications", distinct=True),
        n_objections=Count("objections", distinct=True),
        n_open=Count("objections", filter=Q(objections__upheld__isnull=True), distinct=True),
    ).order_by("-published_on", "-id")
    page = _page(request, qs)
    today = services.today()
    for notice in page:
        notice.state_class, notice.state_label = _notice_state(notice, today)
    return _render_list(
        request,
        "programmes/notice_list.html",
        {
            "page": page,
            "q": q,
            "purpose": purpose,
            "purposes": PublicNotice.Purpose.choices,
            "can_create": bool(_staff_counties(request.user)),
        },
    )


@login_required
def notice_create(request: AuthedRequest) -> HttpResponse:
    """Step 1 (GET): choose what the notice is for, the county and the call; the candidates are listed.
    Step 2 (POST): the notice's wording and period, and the applications ticked for the list."""
    _require_any_staff(request, "notice.create", "programmes.publicnotice")
    user = request.user
    counties = _staff_counties(user)
    params = request.POST if request.method == "POST" else request.GET
    purpose = params.get("purpose", "")
    if purpose not in PublicNotice.Purpose.values:
        purpose = PublicNotice.Purpose.PAYMENT
    county_code = params.get("county", "")
    county = counties.filter(code=county_code).first() or counties.first()
    calls = (
        selectors.call_list(user=user)
        .filter(programme__county__in=counties)
        .order_by("-year", "programme__name", "name")
    )
    if purpose == PublicNotice.Purpose.PAYMENT:
        calls = calls.filter(programme__kind=Programme.Kind.INCENTIVE)
    call_pk = params.get("call", "")
    call: Call | None = calls.filter(pk=call_pk).first() if call_pk.isdigit() else None
    candidates = selectors.notice_candidates(
        user=user, purpose=purpose, call=call.pk if call else "", county=county.pk if county else ""
    )
    noticed = set(
        selectors.notice_list(user=user)
        .filter(purpose=purpose, applications__in=candidates, withdrawn_at__isnull=True)
        .values_list("applications", flat=True)
    )
    initial = {
        "county": county.pk if county else None,
        "purpose": purpose,
        "call": call.pk if call else None,
        "title": default_title(purpose, call),
        "body": str(DEFAULT_BODY[PublicNotice.Purpose(purpose)]),
    }
    form = NoticeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        counties=counties,
        calls=calls,
        # Any application the user may see may be ticked; the service refuses those not in a state
        # that can be publicised, with its own message.
        candidates=selectors.application_list(user=user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(
                by=user, data=form.service_data(), applications=form.cleaned_data["applications"]
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request,
                _("已发布公示“%(t)s”，公示期至 %(d)s。")
                % {"t": notice.title, "d": chinese_date(notice.ends_on)},
            )
            return redirect("programmes:notice_detail", pk=notice.pk)
    if request.method == "POST":
        ticked = {str(v) for v in request.POST.getlist("applications")}
    else:
        ticked = {str(a.pk) for a in candidates if a.pk not in noticed}
    return render(
        request,
        "programmes/notice_form.html",
        {
            "form": form,
            "counties": counties,
            "county": county,
            "calls": calls,
            "call": call,
            "purpose": purpose,
            "purposes": PublicNotice.Purpose.choices,
            "candidates": candidates,
            "noticed": noticed,
            "ticked": ticked,
            "is_payment": purpose == PublicNotice.Purpose.PAYMENT,
        },
    )


def _notice_context(request: HttpRequest, notice: PublicNotice) -> dict[str, Any]:
    rows = documents.notice_rows(notice)
    state_class, state_label = _notice_state(notice, services.today())
    return {
        "notice": notice,
        "rows": rows,
        "total": documents.notice_total(rows),
        "total_text": documents.amount_wan(documents.notice_total(rows)),
        "headers": documents.headers(),
        "paragraphs": documents.body_paragraphs(notice),
        "period": documents.period_text(notice),
        "contact": documents.contact_text(notice),
        "issuer": documents.issuer_name(notice.county),
        "state_class": state_class,
        "state_label": state_label,
    }


@login_required
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _visible_or_404(request, PublicNotice, pk, selectors.notice_get)
    return _notice_page(request, notice)


def _notice_page(
    request: AuthedRequest, notice: PublicNotice, *, withdraw_form: Any = None, status: int = 200
) -> HttpResponse:
    context = _notice_context(request, notice)
    can_manage = permissions.is_county_staff(request.user, notice.county_id)
    today = services.today()
    context.update(
        {
            "can_manage": can_manage and not notice.is_withdrawn,
            "can_withdraw": can_manage
            and not notice.is_withdrawn
            and not notice.is_backfill
            and today <= notice.payable_after(),
            "withdraw_form": withdraw_form or NoticeWithdrawForm(),
            "can_export": permissions.can_export(request.user),
            "objections": selectors.objection_list(user=request.user, notice=notice),
        }
    )
    return render(request, "programmes/notice_detail.html", context, status=status)


@login_required
@require_POST
def notice_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """公示撤回 (before the period ends, with a reason): the page's form posts here."""
    notice = _visible_or_404(request, PublicNotice, pk, selectors.notice_get)
    _require_county_staff(request, notice.county_id, "notice.withdraw", notice)
    form = NoticeWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.notice_withdraw(by=request.user, notice=notice, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request,
                _("已撤回公示“%(t)s”。名单中的申报可重新列入新的公示；撤回的公示不能据以拨付资金。")
                % {"t": notice.title},
            )
            return redirect("programmes:notice_detail", pk=notice.pk)
    return _notice_page(request, notice, withdraw_form=form, status=422)


def _export_notice(request: HttpRequest, pk: int, kind: str) -> tuple[PublicNotice, str]:
    notice = _visible_or_404(request, PublicNotice, pk, selectors.notice_get)
    permissions.require(
        permissions.can_export(request.user), request.user, f"export notice {kind}", notice, what="notice"
    )
    filename = documents.notice_filename(notice, kind)
    audit.record(
        "export",
        by=request.user,
        obj=notice,
        after={"format": kind, "rows": notice.applications.count()},
        detail=_("导出公示 %(f)s") % {"f": filename},
    )
    return notice, filename


@login_required
def notice_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    notice, filename = _export_notice(request, pk, "docx")
    response = HttpResponse(documents.notice_docx(notice), content_type=DOCX_CONTENT_TYPE)
    header = content_disposition_header(True, filename) or "attachment"
    if "filename=" not in header:
        header = header.replace("attachment;", f'attachment; filename="notice_{notice.pk}.docx";', 1)
    response["Content-Disposition"] = header
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def notice_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    from kechuang.imports import excel

    notice, filename = _export_notice(request, pk, "xlsx")
    return excel.download(documents.notice_xlsx(notice), filename, fallback=f"notice_{notice.pk}.xlsx")


# --- objections -----------------------------------------------------------------------------------------------


@login_required
def objection_create(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = _visible_or_404(request, PublicNotice, pk, selectors.notice_get)
    _require_county_staff(request, notice.county_id, "objection.create", notice)
    form = ObjectionForm(
        request.POST or None, notice=notice, applications=selectors.notice_applications(notice=notice)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_record(by=request.user, notice=notice, data=form.service_data())
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("已登记异议，请核查后填写处理结果。"))
            return redirect(reverse("programmes:notice_detail", args=[notice.pk]) + "#objections")
    return render(request, "programmes/notice_objection_form.html", {"form": form, "notice": notice})


@login_required
def objection_resolve(request: AuthedRequest, pk: int) -> HttpResponse:
    objection: Objection = _visible_or_404(request, Objection, pk, selectors.objection_get)
    notice = objection.notice
    _require_county_staff(request, notice.county_id, "objection.resolve", objection)
    initial: dict[str, Any] = {"resolution": objection.resolution}
    if objection.upheld is not None:
        initial["upheld"] = "yes" if objection.upheld else "no"
    form = ObjectionResolveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_resolve(
                by=request.user,
                objection=objection,
                upheld=form.cleaned_data["upheld"],
                resolution=form.cleaned_data["resolution"],
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("已记录异议处理结果。"))
            return redirect(reverse("programmes:notice_detail", args=[notice.pk]) + "#objections")
    return render(
        request,
        "programmes/notice_objection_resolve.html",
        {"form": form, "notice": notice, "objection": objection},
    )


# --- coaching log ---------------------------------------------------------------------------------------------

SERVICELOG_HEADERS = [
    "日期",
    "企业",
    "统一社会信用代码",
    "方式",
    "涉及项目",
    "内容",
    "后续跟进",
    "服务人员",
]


def _servicelog_summary(qs: QuerySet[ServiceLog]) -> dict[str, int]:
    return qs.aggregate(
        n=Count("pk"),
        visits=Count("pk", filter=Q(channel=ServiceLog.Channel.VISIT)),
        enterprises=Count("organisation", distinct=True),
    )


@login_required
def servicelog_list(request: AuthedRequest) -> HttpResponse:
    _require_reader(request, "servicelog.list", "programmes.servicelog")
    filters = selectors.service_log_filters(request.GET)
    qs = selectors.service_log_search(user=request.user, **filters)
    if request.GET.get("export") == "xlsx":
        return _servicelog_export(request, qs)
    organisation = (
        core_selectors.organisation_list(user=request.user).filter(pk=filters["organisation"]).first()
        if filters["organisation"]
        else None
    )
    return _render_list(
        request,
        "programmes/servicelog_list.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "summary": _servicelog_summary(qs),
            "channels": ServiceLog.Channel.choices,
            "staff_choices": selectors.service_log_staff(user=request.user),
            "organisation": organisation,
            "can_create": bool(_staff_counties(request.user)),
            "can_export": permissions.can_export(request.user),
        },
    )


def _servicelog_export(request: AuthedRequest, qs: QuerySet[ServiceLog]) -> HttpResponse:
    from kechuang.imports.excel import xlsx_response

    permissions.require(
        permissions.can_export(request.user), request.user, "export servicelog", what="programmes.servicelog"
    )
    logs = list(qs[:100_000])
    audit.record(
        "export",
        by=request.user,
        object_type="programmes.servicelog",
        object_repr=_("服务记录"),
        after={"rows": len(logs), "filters": {k: v for k, v in request.GET.items() if k != "export"}},
        detail=_("导出服务记录 %(n)d 条") % {"n": len(logs)},
    )
    rows = (
        [
            log.date,
            log.organisation.name,
            log.organisation.credit_code,
            log.get_channel_display(),
            log.programme.name if log.programme else "",
            log.topic,
            log.follow_up,
            str(log.staff),
        ]
        for log in logs
    )
    return xlsx_response(_("服务记录"), [_(h) for h in SERVICELOG_HEADERS], rows)


@login_required
def servicelog_create(request: AuthedRequest) -> HttpResponse:
    _require_any_staff(request, "servicelog.create", "programmes.servicelog")
    user = request.user
    organisations = (
        core_selectors.organisation_list(user=user)
        .filter(permissions.organisation_filter(user, for_change=True), is_active=True)
        .exclude(kind=Organisation.Kind.DEPARTMENT)
        .order_by("name")
    )
    initial: dict[str, Any] = {}
    wanted = request.GET.get("organisation", "")
    if wanted.isdigit() and organisations.filter(pk=wanted).exists():
        initial["organisation"] = int(wanted)
    form = ServiceLogForm(
        request.POST or None,
        initial=initial,
        organisations=organisations,
        programmes=selectors.programme_list(user=user).filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            log = services.service_log_save(by=user, data=form.service_data())
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request, _("已记录：%(o)s %(d)s") % {"o": log.organisation.name, "d": chinese_date(log.date)}
            )
            if request.POST.get("next") == "organisation":
                return redirect("organisation_detail", pk=log.organisation_id)
            return redirect("programmes:servicelog_list")
    return render(
        request,
        "programmes/servicelog_form.html",
        {"form": form, "from_organisation": request.GET.get("next") == "organisation" and initial},
    )


def servicelog_context(user: Any, organisation: Organisation, *, limit: int = 10) -> dict[str, Any]:
    """What `programmes/_servicelog_for_org.html` needs on an enterprise's page: its latest coaching
    records the user may see, the counts, and whether the user may add one."""
    qs = selectors.service_log_list(user=user, organisation=organisation)
    summary = _servicelog_summary(qs)
    return {
        "servicelog_org": organisation,
        "servicelogs": list(qs[:limit]),
        "servicelog_total": summary["n"],
        "servicelog_visits": summary["visits"],
        "servicelog_can_add": permissions.is_county_staff(user, organisation.county_id),
    }


# --- inbox ----------------------------------------------------------------------------------------------------


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "read_all":
        unread = list(selectors.inbox(user=user).filter(read_at__isnull=True))
        for notification in unread:
            services.notification_read(user=user, notification=notification)
        messages.success(request, _("已将 %(n)d 条提醒标为已读。") % {"n": len(unread)})
        return redirect("programmes:inbox")
    qs = selectors.inbox_sorted(user=user)
    return _render_list(
        request,
        "programmes/inbox.html",
        {"page": _page(request, qs), "unread": qs.filter(read_at__isnull=True).count()},
    )


@login_required
@require_POST
def inbox_read(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        notification: Notification = selectors.inbox_get(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404(_("提醒不存在。")) from None
    try:
        services.notification_read(user=request.user, notification=notification)
    except PermissionDenied:  # pragma: no cover — the selector already keeps to the user's own
        raise Http404(_("提醒不存在。")) from None
    link = notification.link
    if link and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("programmes:inbox")


# --- reminder channels ----------------------------------------------------------------------------------------


def _masked(channel: ReminderChannel) -> str:
    """A webhook address carries its robot's key: show where it goes, not the key."""
    if channel.kind == ReminderChannel.Kind.EMAIL:
        return channel.target
    from urllib.parse import urlsplit

    parts = urlsplit(channel.target)
    return f"{parts.scheme}://{parts.netloc}{parts.path} …{channel.target[-4:]}"


@login_required
def channel_list(request: AuthedRequest) -> HttpResponse:
    _require_any_staff(request, "reminderchannel.list", "programmes.reminderchannel")
    user = request.user
    counties = _staff_counties(user)
    channels = selectors.reminder_channel_list(user=user)
    editing: ReminderChannel | None = None
    edit_pk = request.POST.get("pk") or request.GET.get("edit") or ""
    if edit_pk:
        if not edit_pk.isdigit():
            raise Http404
        editing = _visible_or_404(request, ReminderChannel, int(edit_pk), selectors.reminder_channel_get)
    if request.method == "POST" and request.POST.get("action") == "delete":
        if editing is None:
            raise Http404
        services.reminder_channel_delete(by=user, channel=editing)
        messages.success(request, _("已删除提醒渠道。"))
        return redirect("programmes:channel_list")
    form = ReminderChannelForm(
        request.POST if request.method == "POST" else None, instance=editing, counties=counties
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_form(
            form,
            lambda data, loaded: services.reminder_channel_save(
                by=user, data=data, channel=editing, loaded=loaded
            ),
        )
        if saved is not None:
            messages.success(request, _("已保存提醒渠道。"))
            return redirect("programmes:channel_list")
    rows = [(c, _masked(c)) for c in channels]
    return render(
        request,
        "programmes/channel_list.html",
        {"rows": rows, "form": form, "editing": editing, "several_counties": len(counties) > 1},
    )


urlpatterns: list[URLPattern] = [
    path("notices/", notice_list, name="notice_list"),
    path("notices/new/", notice_create, name="notice_create"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("notices/<int:pk>/withdraw/", notice_withdraw, name="notice_withdraw"),
    path("notices/<int:pk>/docx/", notice_docx, name="notice_docx"),
    path("notices/<int:pk>/xlsx/", notice_xlsx, name="notice_xlsx"),
    path("notices/<int:pk>/objections/new/", objection_create, name="objection_create"),
    path("objections/<int:pk>/resolve/", objection_resolve, name="objection_resolve"),
    path("service-log/", servicelog_list, name="servicelog_list"),
    path("service-log/new/", servicelog_create, name="servicelog_create"),
    path("inbox/", inbox, name="inbox"),
    path("inbox/<int:pk>/read/", inbox_read, name="inbox_read"),
    path("reminders/channels/", channel_list, name="channel_list"),
]
