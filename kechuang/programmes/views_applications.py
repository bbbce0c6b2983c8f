"""Pages: applications — the list (with bulk actions for staff), the review queue, an application's
page with its timeline, reviews, attachments and action buttons, the create/edit form, recording the
upper level's approval, deciding a claim's amount, and attachment download behind the permission check.

Views parse, call a selector or a service, and render; every refusal comes from the permission module
(through the services), every status change from services.application_transition."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import permissions
from kechuang.core.models import Role
from kechuang.core.units import chinese_date
from kechuang.core.views import AuthedRequest, _apply_errors, _page, _render_list, _save_form, _visible_or_404

from . import selectors, services, workflow
from .forms_applications import ApplicationForm, ApproveForm, DecideForm, ReviewForm
from .models import Application, Attachment, Call, Programme, Status

APPLYING_ROLES = (Role.STAFF, Role.ENTERPRISE, Role.DEPARTMENT, Role.EXPERT, Role.COMMISSIONER)
# Bulk actions offer the staff's plain moves (those done by a dedicated page are left out), in this order.
BULK_TARGETS = [
    Status.RECOMMENDED,
    Status.CHECKED,
    Status.RETURNED,
    Status.REJECTED,
    Status.NOT_APPROVED,
    Status.IN_PROGRESS,
    Status.SUBMITTED,
]
QUEUE_STATUSES = [Status.SUBMITTED, Status.CHECKED, Status.RECOMMENDED]
MAX_REASONS = 10


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


def _get_application(*, user: Any, pk: int) -> Application:
    """The application with its award and the money paid against it, if the user may see it."""
    return selectors.application_money(selectors.application_list(user=user)).get(pk=pk)


def _application_or_404(request: HttpRequest, pk: int) -> Application:
    return _visible_or_404(request, Application, pk, _get_application)


def _as_seen(application: Application, request: HttpRequest, to: str) -> Application:
    """Give the service the application in the state the user saw when the page was drawn (`from`).
    The service changes the status by compare-and-set on that state, so when someone else moved it in
    the meantime the user gets TransitionConflict ("该申报已由他人处理，当前状态为…") and nothing
    changes, instead of a different move on a state they never saw. A `from` that could not have led
    to this move is ignored (the service then explains from the real state)."""
    seen = request.POST.get("from", "")
    if seen in Status.values and seen != application.status:
        current = application.status
        application.status = seen
        if not workflow.moves_for(application, to):
            application.status = current
    return application


def _move_label(application: Application, to: str) -> str:
    move = next(iter(workflow.moves_for(application, to)), None)
    return str(move.label) if move else str(Status(to).label if to in Status.values else to)


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _list_filters(params: Any) -> dict[str, Any]:
    """selectors.application_filters, with values that are not what they claim to be dropped."""
    filters = selectors.application_filters(params)
    if filters["status"] not in Status.values:
        filters["status"] = ""
    if filters["kind"] not in Programme.Kind.values:
        filters["kind"] = ""
    for key in ("programme", "call"):
        if not str(filters[key]).isdigit():
            filters[key] = ""
    return filters


def _bulk_choices() -> list[tuple[str, str, bool]]:
    """(target, label, needs a comment) for the bulk action bar, from the declared workflow."""
    labels: dict[str, list[str]] = {}
    needs: dict[str, bool] = {}
    for move in workflow.MOVES:
        if move.actor == workflow.STAFF and not move.via_service and move.target in BULK_TARGETS:
            names = labels.setdefault(move.target, [])
            if str(move.label) not in names:
                names.append(str(move.label))
            needs[move.target] = needs.get(move.target, False) or move.needs_comment
    return [(t, " / ".join(labels[t]), needs[t]) for t in BULK_TARGETS if t in labels]


# --- the list -----------------------------------------------------------------------------------------------


@login_required
def application_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    filters = _list_filters(request.GET)
    applications = selectors.application_money(selectors.application_list(user=user, **filters))
    counts = selectors.status_counts(selectors.application_list(user=user, **{**filters, "status": ""}))
    is_region = permissions.has_role(user, *permissions.READ_REGION_ROLES)
    can_apply = permissions.has_role(user, *APPLYING_ROLES)
    call = None
    if filters["call"]:
        call = selectors.calls_for_applicants(user=user).filter(pk=filters["call"]).first()
    return _render_list(
        request,
        "programmes/application_list.html",
        {
            "page": _page(request, applications),
            "filters": filters,
            "call": call,
            "counts": [(s, label, counts[s]) for s, label in Status.choices if counts[s]],
            "total": sum(counts.values()),
            "kinds": Programme.Kind.choices,
            "programmes": selectors.application_programmes(user=user),
            "years": selectors.application_years(user=user),
            "is_region": is_region,
            "can_bulk": permissions.has_role(user, Role.STAFF),
            "bulk_choices": _bulk_choices(),
            "can_apply": can_apply,
            "open_calls": (
                selectors.open_calls_for(user=user).order_by("county_deadline", "closes_on")[:6]
                if can_apply and not is_region and not request.htmx
                else []
            ),
        },
    )


@login_required
@require_POST
def application_bulk(request: AuthedRequest) -> HttpResponse:
    """The same move for many applications (e.g. recommend 30), each through the one transition rule."""
    user = request.user
    permissions.require(
        permissions.has_role(user, Role.STAFF), user, "bulk transition", what="programmes.application"
    )
    back = reverse("programmes:application_list")
    raw = request.POST.getlist("ids") + request.POST.getlist("ids[]")
    ids = list(dict.fromkeys(int(i) for i in raw if i.isdigit()))
    to = request.POST.get("to", "")
    comment = request.POST.get("comment", "").strip()
    choice = next((c for c in _bulk_choices() if c[0] == to), None)
    if not ids:
        messages.error(request, _("请先勾选要处理的申报。"))
        return _back(request, back)
    if choice is None:
        messages.error(request, _("请选择要执行的操作。"))
        return _back(request, back)
    if choice[2] and not comment:
        messages.error(request, _("“%(m)s”须填写理由，本次未处理任何申报。") % {"m": choice[1]})
        return _back(request, back)
    found = selectors.application_list(user=user).filter(pk__in=ids).in_bulk()
    result = services.application_transition_bulk(
        applications=[found[i] for i in ids if i in found], to=to, by=user, comment=comment
    )
    failed = [(str(a), reason) for a, reason in result.failed]
    failed += [(f"#{i}", _("记录不存在或您无权查看")) for i in ids if i not in found]
    if failed:
        reasons = "；".join(f"{name}（{reason.rstrip('。')}）" for name, reason in failed[:MAX_REASONS])
        if len(failed) > MAX_REASONS:
            reasons += _("……等")
        messages.warning(
            request,
            _("已处理%(n)s件，%(m)s件未处理：%(r)s")
            % {"n": len(result.done), "m": len(failed), "r": reasons},
        )
    else:
        messages.success(request, _("已处理%(n)s件（%(m)s）。") % {"n": len(result.done), "m": choice[1]})
    return _back(request, back)


# --- the review queue ---------------------------------------------------------------------------------------


@login_required
def review_queue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    permissions.require(
        permissions.has_role(user, Role.STAFF), user, "review queue", what="programmes.application"
    )
    queue = selectors.review_queue(user=user)
    status = request.GET.get("status", "")
    counts = selectors.status_counts(queue)
    if status in QUEUE_STATUSES:
        queue = queue.filter(status=status)
    else:
        status = ""
    page = _page(request, queue)
    today = timezone.localdate()
    rows = []
    for application in page:
        submitted = timezone.localdate(application.submitted_at) if application.submitted_at else None
        changed = timezone.localdate(application.status_changed_at) if application.status_changed_at else None
        rows.append(
            {
                "a": application,
                "waiting": (today - submitted).days if submitted else None,
                "in_status": (today - changed).days if changed else None,
                "next": [m.label for m in workflow.available_moves(user, application)],
            }
        )
    return _render_list(
        request,
        "programmes/review_queue.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "counts": [(s, Status(s).label, counts[s]) for s in QUEUE_STATUSES],
            "total": sum(counts[s] for s in QUEUE_STATUSES),
            "bulk_choices": _bulk_choices(),
            "can_bulk": True,
        },
    )


# --- one application ----------------------------------------------------------------------------------------


def _actions(user: Any, application: Application) -> list[dict[str, Any]]:
    """The moves this user may make now, as buttons: plain moves post to application_transition; moves
    done by a dedicated page link to it (approve, decide) or to the award's page (pay)."""
    award = getattr(application, "award", None)
    today = timezone.localdate()
    actions = []
    for move in workflow.available_moves(user, application):
        # A move whose condition fails now (a closed call, no passed acceptance) is shown disabled, with why.
        blocked = move.condition(application, today, move.actor == workflow.STAFF) if move.condition else None
        if move.via_service == "approve":
            url = reverse("programmes:application_approve", args=[application.pk])
        elif move.via_service == "decide":
            url = reverse("programmes:application_decide", args=[application.pk])
        elif move.via_service == "pay":
            if award is None:
                continue
            url = f"/programmes/awards/{award.pk}/"
        else:
            url = ""
        actions.append({"move": move, "url": url, "blocked": blocked})
    return actions


@login_required
def application_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    application = _application_or_404(request, pk)
    roles = workflow.actor_roles(user, application)
    award = getattr(application, "award", None)
    is_claim = application.programme.kind == Programme.Kind.INCENTIVE
    return render(
        request,
        "programmes/application_detail.html",
        {
            "a": application,
            "award": award,
            "is_claim": is_claim,
            "kind_fields": _kind_fields(application),
            "actions": _actions(user, application),
            "timeline": selectors.application_timeline(application=application),
            "reviews": [
                (review, format(review.score.normalize(), "f") if review.score is not None else "")
                for review in application.reviews.select_related("reviewer")
            ],
            "attachments": application.attachments.select_related("uploaded_by"),
            "claim_items": (
                application.claim_items.select_related("rule", "achievement", "achievement__programme")
                if is_claim
                else []
            ),
            "notices": application.notices.order_by("-published_on"),
            "can_edit": bool(roles) and application.status in services.EDITABLE_STATUSES,
            "can_delete": bool(roles) and application.status == Status.DRAFT,
            "can_attach": bool(roles),
            "can_review": workflow.STAFF in roles,
            "can_amend": workflow.STAFF in roles and is_claim and application.status == Status.DECIDED,
            "review_form": ReviewForm(),
            "accept": ",".join(f".{s}" for s in services.ALLOWED_ATTACHMENTS),
            "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        },
    )


def _kind_fields(application: Application) -> list[tuple[str, Any, str]]:
    """(label, value, exact 元) of the fields this kind of programme asks for; the third item, for a
    sum of money, is the amount in 元 with thousands separators (shown beside the 万元 figure)."""

    def yuan(value: Any) -> str:
        return f"{value:,.2f}" if value is not None else ""

    kind = application.programme.kind
    rows: list[tuple[str, Any, str]] = []
    if kind in (Programme.Kind.PROJECT, Programme.Kind.TEAM, Programme.Kind.COMMISSIONER):
        rows += [
            (_("团队名称") if kind == Programme.Kind.TEAM else _("项目名称"), application.title, ""),
            (_("总投资"), application.total_budget, yuan(application.total_budget)),
            (_("申请补助"), application.requested_amount, yuan(application.requested_amount)),
        ]
    if kind == Programme.Kind.TALENT or application.person_id:
        person = application.person
        rows.append((_("推荐人选"), f"{person.name}（{person.workplace}）" if person else "", ""))
    return rows


@login_required
@require_POST
def application_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    to = request.POST.get("to", "")
    application = _as_seen(_application_or_404(request, pk), request, to)
    label = _move_label(application, to)
    try:
        services.application_transition(
            application=application, to=to, by=request.user, comment=request.POST.get("comment", "")
        )
    except ValidationError as e:  # TransitionConflict included: someone else moved it first
        messages.error(request, _error_text(e))
    else:
        messages.success(
            request,
            _("已完成“%(m)s”，当前状态：%(s)s。") % {"m": label, "s": application.get_status_display()},
        )
    return redirect("programmes:application_detail", pk=pk)


def _require_county_staff(request: AuthedRequest, application: Application, action: str) -> None:
    permissions.require(
        permissions.is_county_staff(request.user, application.county_id), request.user, action, application
    )


def _service_move_or_back(request: AuthedRequest, application: Application, via: str) -> bool:
    """Is the dedicated move (approve, decide) open on this application now? If not, say why."""
    if any(m.via_service == via for m in workflow.available_moves(request.user, application)):
        return True
    messages.error(
        request,
        _("该申报当前状态为“%(s)s”，不能办理此项。") % {"s": application.get_status_display()},
    )
    return False


@login_required
def application_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the upper level's approval with what it granted (money, certificate, registration)."""
    application = _application_or_404(request, pk)
    _require_county_staff(request, application, "approve application")
    programme = application.programme
    if request.method != "POST" and not _service_move_or_back(request, application, "approve"):
        return redirect("programmes:application_detail", pk=pk)
    form = ApproveForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_approve(
                by=request.user,
                application=_as_seen(application, request, Status.APPROVED),
                data=form.service_data(),
            )
        except services.TransitionConflict as e:
            messages.error(request, _error_text(e))
            return redirect("programmes:application_detail", pk=pk)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("已录入上级批准结果。"))
            return redirect("programmes:application_detail", pk=pk)
    return render(
        request,
        "programmes/application_approve.html",
        {"a": application, "form": form, "seen": request.POST.get("from") or application.status},
    )


@login_required
def application_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    """Decide a checked claim's amount: the proposed one, or another with a reason (audited)."""
    application = _application_or_404(request, pk)
    _require_county_staff(request, application, "decide claim")
    award = getattr(application, "award", None)
    if application.status == Status.DECIDED and award is not None:
        # Decided already: a correction before payment is a re-decision with a reason.
        return redirect("programmes:award_amend", pk=award.pk)
    if request.method != "POST" and not _service_move_or_back(request, application, "decide"):
        return redirect("programmes:application_detail", pk=pk)
    proposed = application.proposed_amount
    form = DecideForm(request.POST or None, proposed=proposed)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.claim_decide(
                by=request.user,
                application=_as_seen(application, request, Status.DECIDED),
                amount=d["amount"],
                reason=d["reason"],
                decided_on=d["decided_on"],
            )
        except services.TransitionConflict as e:
            messages.error(request, _error_text(e))
            return redirect("programmes:application_detail", pk=pk)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("已核定金额。"))
            return redirect("programmes:application_detail", pk=pk)
    return render(
        request,
        "programmes/application_decide.html",
        {
            "a": application,
            "form": form,
            "proposed": proposed,
            "proposed_yuan": f"{proposed:,.2f}" if proposed is not None else "—",
            "claim_items": application.claim_items.select_related(
                "rule", "rule__policy", "achievement", "achievement__programme"
            ),
            "seen": request.POST.get("from") or application.status,
        },
    )


@login_required
@require_POST
def review_add(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        messages.error(request, _("审核意见未保存：%(e)s") % {"e": "；".join(errors)})
    else:
        try:
            services.review_add(
                by=request.user,
                application=application,
                opinion=form.cleaned_data["opinion"],
                score=form.cleaned_data["score"],
            )
        except ValidationError as e:
            messages.error(request, _error_text(e))
        else:
            messages.success(request, _("已添加审核意见。"))
    return redirect(reverse("programmes:application_detail", args=[pk]) + "#reviews")


@login_required
@require_POST
def attachment_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    uploads = request.FILES.getlist("file")
    if not uploads:
        messages.error(request, _("请选择要上传的文件。"))
    for upload in uploads:
        try:
            attachment = services.attachment_add(by=request.user, application=application, upload=upload)
        except ValidationError as e:
            messages.error(request, _error_text(e))
        else:
            messages.success(request, _("已上传附件：%(n)s") % {"n": attachment.original_name})
    return redirect(reverse("programmes:application_detail", args=[pk]) + "#attachments")


def _get_attachment(*, user: Any, pk: int) -> Attachment:
    """An attachment, if its application is one the user may see (the application selector decides)."""
    return Attachment.objects.select_related("application").get(
        pk=pk, application__in=selectors.application_list(user=user).values("pk")
    )


@login_required
def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    attachment = _visible_or_404(request, Attachment, pk, _get_attachment)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件已不存在，请联系系统管理员。")) from None
    content_type = mimetypes.guess_type(attachment.original_name)[0] or "application/octet-stream"
    # as_attachment: the browser saves it rather than rendering it here; Django writes the original
    # (Chinese) name as filename*=utf-8''… (RFC 5987/6266).
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=content_type
    )


# --- create, edit, delete -----------------------------------------------------------------------------------


def _choose_call(request: AuthedRequest) -> HttpResponse:
    """No call chosen yet: the calls the user may apply to now (staff: their county's recent calls)."""
    user = request.user
    today = timezone.localdate()
    is_staff = permissions.has_role(user, Role.STAFF)
    if is_staff:
        calls = selectors.call_list(user=user).filter(year__gte=today.year - 1)
    else:
        calls = selectors.open_calls_for(user=user, today=today)
    rows = list(calls.select_related("programme").order_by("-year", "programme__name", "name"))
    rows.sort(key=lambda c: not c.is_open(today))  # open calls first (the sort is stable)
    return render(
        request,
        "programmes/application_calls.html",
        {"calls": rows, "today": today, "is_staff": is_staff},
    )


def _submit_after_save(request: AuthedRequest, application: Application) -> None:
    try:
        services.application_transition(application=application, to=Status.SUBMITTED, by=request.user)
    except ValidationError as e:
        messages.error(request, _("已保存为草稿，但未能提交：%(e)s") % {"e": _error_text(e)})
    else:
        messages.success(request, _("已提交，等待县科技管理科审核。"))


@login_required
def application_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    permissions.require(
        permissions.has_role(user, *APPLYING_ROLES), user, "create application", what="programmes.application"
    )
    raw = request.POST.get("call") or request.GET.get("call") or ""
    if not raw.isdigit():
        return _choose_call(request)
    try:
        call = selectors.call_get_for_applicants(user=user, pk=int(raw))
    except Call.DoesNotExist:
        raise Http404(_("申报批次不存在或您无权查看。")) from None
    programme = call.programme
    if not permissions.is_county_staff(user, programme.county_id) and not (
        programme.is_active and call.is_open(timezone.localdate())
    ):
        messages.error(
            request,
            _("“%(c)s”不在申报期内（%(o)s 至 %(d)s）。")
            % {"c": call, "o": chinese_date(call.opens_on), "d": chinese_date(call.applicant_deadline)},
        )
        return redirect("programmes:application_create")
    form = ApplicationForm(request.POST or None, user=user, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(by=user, data={**form.service_data(), "call": call})
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            if "submit" in request.POST:
                _submit_after_save(request, application)
            else:
                messages.success(request, _("已保存草稿，可继续修改或上传附件后提交。"))
            return redirect("programmes:application_detail", pk=application.pk)
    return render(
        request,
        "programmes/application_form.html",
        {"form": form, "call": call, "programme": programme, "a": None},
    )


@login_required
def application_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    user = request.user
    permissions.require(
        bool(workflow.actor_roles(user, application)), user, "update application", application
    )
    if application.status not in services.EDITABLE_STATUSES:
        messages.error(
            request,
            _("只有草稿或退回修改的申报可以修改（当前：%(s)s）。") % {"s": application.get_status_display()},
        )
        return redirect("programmes:application_detail", pk=pk)
    form = ApplicationForm(
        request.POST or None, instance=application, user=user, programme=application.programme
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_form(
            form,
            lambda data, loaded: services.application_update(
                by=user, application=application, data=data, loaded=loaded
            ),
        )
        if saved is not None:
            if "submit" in request.POST:
                _submit_after_save(request, application)
            else:
                messages.success(request, _("已保存。"))
            return redirect("programmes:application_detail", pk=pk)
    return render(
        request,
        "programmes/application_form.html",
        {"form": form, "call": application.call, "programme": application.programme, "a": application},
    )


@login_required
@require_POST
def application_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _application_or_404(request, pk)
    name = str(application)
    try:
        services.application_delete(by=request.user, application=application)
    except ValidationError as e:
        messages.error(request, _error_text(e))
        return redirect("programmes:application_detail", pk=pk)
    messages.success(request, _("已删除草稿：%(n)s") % {"n": name})
    return redirect("programmes:application_list")


urlpatterns: list[URLPattern] = [
    path("applications/", application_list, name="application_list"),
    path("applications/new/", application_create, name="application_create"),
    path("applications/queue/", review_queue, name="review_queue"),
    path("applications/bulk/", application_bulk, name="application_bulk"),
    path("applications/<int:pk>/", application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path("applications/<int:pk>/delete/", application_delete, name="application_delete"),
    path("applications/<int:pk>/transition/", application_transition, name="application_transition"),
    path("applications/<int:pk>/approve/", application_approve, name="application_approve"),
    path("applications/<int:pk>/decide/", application_decide, name="application_decide"),
    path("applications/<int:pk>/review/", review_add, name="review_add"),
    path("applications/<int:pk>/attachments/", attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_download, name="attachment_download"),
]
