"""三员分立 pages (等保 2.0). The system administrator creates, disables and resets accounts at /sysadmin/
and grants no role; security administrators ask for role grants and revocations at /security/, and a
request takes effect only when another security administrator approves it. The auditor reads the log
(/audit/). Every write goes through kechuang/core/services.py, which checks each rule again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, selectors, services
from .forms_accounts import AccountCreateForm, RoleRequestForm
from .models import SYSTEM_ROLES, RoleAssignment, RoleGrantRequest, User
from .views import _apply_errors, _page


def _require_admin(request: HttpRequest, action: str) -> None:
    permissions.require(permissions.can_manage_accounts(request.user), request.user, action, what="core.user")


def _require_security(request: HttpRequest, action: str) -> None:
    permissions.require(
        permissions.can_grant_roles(request.user), request.user, action, what="core.rolegrantrequest"
    )


# --- the system administrator ---------------------------------------------------------------------------


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request, "account.list")
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.account_list(user=request.user, q=q))
    manageable = {u.pk for u in page if permissions.can_manage_account(request.user, u)}
    return render(request, "core/account_list.html", {"page": page, "q": q, "manageable": manageable})


def _show_password(request: HttpRequest, user: User, password: str, *, created: bool) -> HttpResponse:
    """The one-time password, shown once and never stored by the browser."""
    response = render(
        request,
        "core/account_password.html",
        {"account": user, "password": password, "created": created},
    )
    add_never_cache_headers(response)
    return response


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request, "account.create")
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = services.temporary_password()
        try:
            user = services.user_create(by=request.user, password=password, **form.cleaned_data)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            return _show_password(request, user, password, created=True)
    return render(request, "core/account_form.html", {"form": form})


@login_required
@require_POST
def account_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request, "account.activate")
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(user=user, by=request.user, active=active)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        done = _("已启用账号 %(u)s。") if active else _("已停用账号 %(u)s，其登录会话随即失效。")
        messages.success(request, done % {"u": user.username})
    return redirect("account_list")


@login_required
@require_POST
def account_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request, "account.password_reset")
    user = get_object_or_404(User, pk=pk)
    password = services.temporary_password()
    services.user_password_reset(user=user, by=request.user, password=password)
    return _show_password(request, user, password, created=False)


# --- the security administrators -------------------------------------------------------------------------


@login_required
def role_requests(request: HttpRequest) -> HttpResponse:
    _require_security(request, "role_request.list")
    pending = selectors.role_request_list(user=request.user, pending=True)
    decided = selectors.role_request_list(user=request.user, pending=False)[:50]
    decidable = {r.pk for r in pending if permissions.can_decide_role_request(request.user, r)}
    return render(
        request,
        "core/role_requests.html",
        {"pending": pending, "decided": decided, "decidable": decidable},
    )


@login_required
def role_request_new(request: HttpRequest) -> HttpResponse:
    _require_security(request, "role_request.create")
    form = RoleRequestForm(request.POST or None, initial={"username": request.GET.get("user", "")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            made = services.role_request_create(
                by=request.user, user=d["username"], role=d["role"], reason=d["reason"], **d["scope"]
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(
                request,
                _("已提交授权申请 #%(n)s：须由另一名安全管理员批准后生效。") % {"n": made.pk},
            )
            return redirect("role_requests")
    return render(request, "core/role_request_form.html", {"form": form})


@login_required
def role_accounts(request: HttpRequest) -> HttpResponse:
    _require_security(request, "role_request.accounts")
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.account_list(user=request.user, q=q))
    revoking = set(
        RoleGrantRequest.objects.filter(
            kind=RoleGrantRequest.Kind.REVOKE, decision=RoleGrantRequest.Decision.PENDING
        ).values_list("assignment_id", flat=True)
    )
    return render(
        request,
        "core/role_accounts.html",
        {
            "page": page,
            "q": q,
            "revoking": revoking,
            "system_roles": [r.value for r in SYSTEM_ROLES],
            # Accounts of the three hold no other role: nothing to ask for them here.
            "grantable": {
                u.pk
                for u in page
                if u.pk != request.user.pk and not any(r.role in SYSTEM_ROLES for r in u.roles.all())
            },
        },
    )


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_security(request, "role_request.revoke")
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user"), pk=pk)
    try:
        made = services.role_revoke_request(
            by=request.user, assignment=assignment, reason=request.POST.get("reason", "")
        )
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("role_accounts")
    messages.success(request, _("已提交撤销申请 #%(n)s：须由另一名安全管理员批准后生效。") % {"n": made.pk})
    return redirect("role_requests")


@login_required
@require_POST
def role_request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_security(request, "role_request.decide")
    grant = get_object_or_404(RoleGrantRequest.objects.select_related("user"), pk=pk)
    decision = request.POST.get("decision")
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            services.role_request_approve(request=grant, by=request.user, note=note)
            messages.success(request, _("已批准申请 #%(n)s，已生效。") % {"n": grant.pk})
        elif decision == "withdraw":
            services.role_request_withdraw(request=grant, by=request.user)
            messages.success(request, _("已撤回申请 #%(n)s。") % {"n": grant.pk})
        else:
            services.role_request_reject(request=grant, by=request.user, note=note)
            messages.success(request, _("已驳回申请 #%(n)s。") % {"n": grant.pk})
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("role_requests")
