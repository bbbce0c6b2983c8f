"""Pages of the core registers. Views parse, call a selector or service, and render; htmx requests
get just the results partial."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Model, ProtectedError, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from . import audit, demo, edits, errors, navigation, permissions, selectors, services
from .forms import AuditFilterForm, OrganisationForm, PersonForm, SignupForm
from .models import Organisation, OrganisationYear, Person, Region, Role, Signup, SystemFlag, User
from .navigation import STREAMS, STREAMS_BY_SLUG

PAGE_SIZE = 25


class AuthedRequest(HttpRequest):
    """What a login_required view receives (for the type checker)."""

    user: User
    htmx: HtmxDetails


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _render_list(request: AuthedRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Full page normally; only the results block for htmx (search-as-you-type, paging)."""
    if request.htmx and not request.htmx.boosted:
        template = f"{template}#results"
    return render(request, template, context)


def _visible_or_404(request: HttpRequest, model: type[Model], pk: int, getter: Any) -> Any:
    try:
        return permissions.get_visible(request.user, model, pk, getter, where=f"view {request.path}")
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404(_("记录不存在或您无权查看。")) from None


def _form_page(
    request: HttpRequest,
    form: Any,
    save: Any,
    *,
    detail: str | Callable[[Any], str],
    template: str,
    context: dict[str, Any],
    done: str,
) -> HttpResponse:
    """Create/edit pages: validate, call the service (`save(data, loaded) -> record`, `loaded` being what an
    edit form showed when opened: kechuang.core.edits), put a service's ValidationError back on the form, or go
    to the record's detail page. A lost race keeps what the user typed and shows the current values."""
    if request.method == "POST" and form.is_valid():
        record = _save_form(form, save)
        if record is not None:
            messages.success(request, done % {"n": record})
            return redirect(detail(record)) if callable(detail) else redirect(detail, pk=record.pk)
    return render(request, template, {"form": form, **context})


def _save_form(form: Any, save: Any) -> Any:
    """Call `save(data, loaded)` with a valid form's data; a lost race or a service's ValidationError goes
    back on the form (None is returned then). For pages whose flow does not fit _form_page."""
    try:
        return save(form.service_data(), getattr(form, "loaded", None))
    except edits.EditConflict as conflict:
        form.show_conflict(conflict)
    except ValidationError as e:
        _apply_errors(form, e)
    return None


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ValidationError back on the form, on the field it names where possible."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if errors.is_api(request):
        return errors.json_error(403, _("CSRF 校验失败：请刷新页面后重试，或使用 API 令牌。"))
    return render(request, "403_csrf.html", status=403)


# --- home ------------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = {r.role for r in permissions.roles_of(user)}
    context: dict[str, Any] = {"roles": roles, "streams": STREAMS}
    if roles & permissions.READ_REGION_ROLES:
        orgs = selectors.organisation_list(user=user)
        context["counts"] = orgs.aggregate(
            enterprises=Count("pk", filter=Q(kind=Organisation.Kind.ENTERPRISE)),
            departments=Count("pk", filter=Q(kind=Organisation.Kind.DEPARTMENT)),
            total=Count("pk"),
        )
        latest = (
            OrganisationYear.objects.filter(organisation__in=orgs)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
        context["above_scale_year"] = latest
        context["above_scale"] = (
            OrganisationYear.objects.filter(organisation__in=orgs, year=latest, is_above_scale=True).count()
            if latest
            else 0
        )
        people = selectors.person_list(user=user)
        context["experts"] = people.filter(is_expert=True).count()
        context["commissioners"] = people.filter(is_commissioner=True).count()
        context["scopes"] = [r.region for r in permissions.roles_of(user) if r.region]
        if Role.STAFF in roles:
            context["pending"] = selectors.pending_signups(user=user).count()
        context["by_township"] = (
            orgs.filter(kind=Organisation.Kind.ENTERPRISE, region__level=Region.Level.TOWNSHIP)
            .values("region__name")
            .annotate(n=Count("pk"))
            .order_by("-n")[:8]
        )
    if roles & {Role.ENTERPRISE, Role.DEPARTMENT}:
        context["own_organisations"] = Organisation.objects.filter(
            pk__in=permissions.own_organisation_ids(user)
        ).select_related("region", "industry")
    if roles & {Role.EXPERT, Role.COMMISSIONER}:
        context["own_people"] = Person.objects.filter(pk__in=permissions.own_person_ids(user)).select_related(
            "organisation"
        )
    if Role.AUDITOR in roles:
        context["recent_events"] = selectors.audit_list(user=user)[:10]
        context["denied_today"] = selectors.audit_list(user=user, result="denied").count()
    if Role.SECURITY in roles:
        context["role_requests_pending"] = selectors.role_request_list(user=user, pending=True).count()
    if Role.ADMIN in roles:
        context["user_count"] = User.objects.count()
        context["inactive_count"] = User.objects.filter(is_active=False).count()
    context["panels"] = navigation.render_panels(navigation.HOME_PANELS, request)
    return render(request, "core/home.html", context)


def stream(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    item = STREAMS_BY_SLUG.get(slug)
    if item is None:
        raise Http404(_("没有这个工作模块。"))
    links = navigation.links_for(slug, request.user)
    return render(request, "core/stream.html", {"stream": item, "links": links})


# --- accounts --------------------------------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码错误。连续失败 5 次，账号将被锁定 15 分钟。"),
        "inactive": _("该账号尚未激活，请等待县科技管理科审核。"),
    }


def login_view(request: HttpRequest) -> HttpResponseBase:
    from .middleware import client_ip
    from .models import FailureWindow

    if request.method == "POST":
        # Per client IP, whatever the username (django-axes limits username + IP): past the limit the
        # attempt is refused before any password is checked (kechuang/core/throttle.py).
        ip = client_ip(request)
        from . import throttle

        if throttle.blocked(FailureWindow.Kind.LOGIN, ip):
            throttle.note_refused(FailureWindow.Kind.LOGIN, ip=ip, username=request.POST.get("username", ""))
            context = {"ip_limit": settings.KECHUANG_LOGIN_IP_FAILURE_LIMIT}
            return render(request, "core/locked_out.html", context, status=429)
    extra: dict[str, Any] = {}
    if not settings.PRODUCTION and SystemFlag.objects.filter(key=demo.DEMO_FLAG).exists():
        # The demo county: list one login per role, so a visitor can try every point of view.
        users = User.objects.filter(username__in=demo.DEMO_USERNAMES, is_active=True).prefetch_related(
            "roles__region", "roles__organisation", "roles__person"
        )
        by_name = {u.username: u for u in users}
        extra["demo_logins"] = [by_name[n] for n in demo.DEMO_USERNAMES if n in by_name]
        extra["demo_password"] = demo.DEMO_PASSWORD
    return auth_views.LoginView.as_view(
        template_name="core/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
        extra_context=extra,
    )(request)


logout_view = auth_views.LogoutView.as_view()


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.enterprise_signup(
                username=d["username"],
                password=d["password1"],
                full_name=d["full_name"],
                phone=d["phone"],
                email=d["email"],
                credit_code=d["credit_code"],
                organisation_name=d["organisation_name"],
                region=d["region"],
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            return render(request, "core/signup_done.html", {"region": d["region"]})
    return render(request, "core/signup.html", {"form": form})


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("home")
    return render(request, "core/password_change.html", {"form": form})


@login_required
def pending_signups(request: HttpRequest) -> HttpResponse:
    permissions.require(
        permissions.has_role(request.user, Role.STAFF), request.user, "signup.list", what="core.signup"
    )
    return render(
        request, "core/pending_signups.html", {"signups": selectors.pending_signups(user=request.user)}
    )


@login_required
@require_POST
def signup_decide(request: HttpRequest, pk: int) -> HttpResponse:
    signup = get_object_or_404(Signup, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            services.signup_approve(signup=signup, by=request.user)
            messages.success(
                request,
                _("已激活账号 %(u)s，并登记企业“%(o)s”。")
                % {"u": signup.user.username, "o": signup.organisation_name},
            )
        else:
            services.signup_reject(signup=signup, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已驳回 %(u)s 的注册申请。") % {"u": signup.user.username})
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("pending_signups")


@login_required
def api_tokens(request: AuthedRequest) -> HttpResponse:
    plain = None
    if request.method == "POST":
        if "revoke" in request.POST:
            revoke = request.POST["revoke"]
            token = get_object_or_404(request.user.api_tokens, pk=int(revoke) if revoke.isdigit() else 0)
            services.api_token_revoke(token=token, by=request.user)
            messages.success(request, _("令牌已作废。"))
            return redirect("api_tokens")
        _token, plain = services.api_token_create(user=request.user, name=request.POST.get("name", "")[:50])
    return render(
        request,
        "core/api_tokens.html",
        {"tokens": request.user.api_tokens.order_by("-created_at"), "plain": plain},
    )


# --- organisations ---------------------------------------------------------------------------------------


@login_required
def organisation_list(request: AuthedRequest) -> HttpResponse:
    permissions.require(
        permissions.has_role(request.user, *permissions.READ_REGION_ROLES, Role.ENTERPRISE, Role.DEPARTMENT),
        request.user,
        "organisation.list",
        what="core.organisation",
    )
    filters = selectors.organisation_filters(request.GET)
    qs = selectors.organisation_list(user=request.user, **filters)
    return _render_list(
        request,
        "core/organisation_list.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "kinds": Organisation.Kind.choices,
            "regions": selectors.townships_for(request.user),
            "sections": selectors.industry_sections(),
            "years": selectors.above_scale_years(user=request.user),
            "can_create": permissions.has_role(request.user, Role.STAFF),
        },
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = _visible_or_404(request, Organisation, pk, selectors.organisation_get)
    people = selectors.person_list(user=request.user).filter(organisation=org)
    return render(
        request,
        "core/organisation_detail.html",
        {
            "org": org,
            "years": org.years.all(),
            "people": people,
            "can_change": permissions.can_change(request.user, org),
            "can_delete": permissions.can_write_organisation(request.user, org),
            "panels": navigation.render_panels(navigation.ORGANISATION_PANELS, request, organisation=org),
        },
    )


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    permissions.require(
        permissions.has_role(request.user, Role.STAFF),
        request.user,
        "organisation.create",
        what="core.organisation",
    )
    return _form_page(
        request,
        OrganisationForm(request.POST or None, user=request.user),
        lambda data, _loaded: services.organisation_create(by=request.user, data=data),
        detail="organisation_detail",
        template="core/organisation_form.html",
        context={},
        done=_("已登记：%(n)s"),
    )


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = _visible_or_404(request, Organisation, pk, selectors.organisation_get)
    permissions.require(permissions.can_change(request.user, org), request.user, "organisation.update", org)
    return _form_page(
        request,
        OrganisationForm(request.POST or None, instance=org, user=request.user),
        lambda data, loaded: services.organisation_update(
            organisation=org, by=request.user, data=data, loaded=loaded
        ),
        detail="organisation_detail",
        template="core/organisation_form.html",
        context={"org": org},
        done=_("已保存：%(n)s"),
    )


@login_required
@require_POST
def organisation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = _visible_or_404(request, Organisation, pk, selectors.organisation_get)
    try:
        services.organisation_delete(organisation=org, by=request.user)
    except ProtectedError:  # still referenced by accounts or people
        messages.error(request, _("该单位仍有关联记录（如账号或人员），不能删除，可改为“无效”。"))
        return redirect("organisation_detail", pk=pk)
    messages.success(request, _("已删除。"))
    return redirect("organisation_list")


@login_required
@require_POST
def organisation_year(request: HttpRequest, pk: int) -> HttpResponse:
    org = _visible_or_404(request, Organisation, pk, selectors.organisation_get)
    year = request.POST.get("year", "")
    if not year.isdigit():
        messages.error(request, _("请填写年度。"))
    else:
        try:
            services.organisation_year_set(
                organisation=org,
                year=int(year),
                is_above_scale=request.POST.get("is_above_scale") == "on",
                by=request.user,
            )
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        else:
            messages.success(request, _("已更新 %(y)s 年度状态。") % {"y": year})
    return redirect("organisation_detail", pk=pk)


# --- people ----------------------------------------------------------------------------------------------


@login_required
def person_list(request: AuthedRequest) -> HttpResponse:
    filters = selectors.person_filters(request.GET)
    qs = selectors.person_list(user=request.user, **filters)
    page = _page(request, qs)
    contacts = {p.pk for p in page if permissions.can_see_contacts(request.user, p)}
    return _render_list(
        request,
        "core/person_list.html",
        {
            "page": page,
            "filters": filters,
            "contacts": contacts,
            "kinds": [
                ("expert", _("专家")),
                ("commissioner", _("科技特派员")),
                ("talent", _("人才")),
                ("contact", _("联系人")),
            ],
            "can_create": permissions.has_role(request.user, Role.STAFF, Role.ENTERPRISE),
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_or_404(request, Person, pk, selectors.person_get)
    return render(
        request,
        "core/person_detail.html",
        {
            "person": person,
            "show_contacts": permissions.can_see_contacts(request.user, person),
            "can_change": permissions.can_change(request.user, person),
        },
    )


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    permissions.require(
        permissions.has_role(request.user, Role.STAFF, Role.ENTERPRISE),
        request.user,
        "person.create",
        what="core.person",
    )
    return _form_page(
        request,
        PersonForm(request.POST or None, user=request.user),
        lambda data, _loaded: services.person_create(by=request.user, data=data),
        detail="person_detail",
        template="core/person_form.html",
        context={},
        done=_("已登记：%(n)s"),
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_or_404(request, Person, pk, selectors.person_get)
    permissions.require(permissions.can_change(request.user, person), request.user, "person.update", person)
    return _form_page(
        request,
        PersonForm(request.POST or None, instance=person, user=request.user),
        lambda data, loaded: services.person_update(person=person, by=request.user, data=data, loaded=loaded),
        detail="person_detail",
        template="core/person_form.html",
        context={"person": person},
        done=_("已保存：%(n)s"),
    )


@login_required
@require_POST
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_or_404(request, Person, pk, selectors.person_get)
    try:
        services.person_delete(person=person, by=request.user)
    except ProtectedError:
        messages.error(request, _("该人员仍与账号关联，不能删除。"))
        return redirect("person_detail", pk=pk)
    messages.success(request, _("已删除。"))
    return redirect("person_list")


# --- regions ---------------------------------------------------------------------------------------------


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    counties = selectors.counties_for(request.user).select_related("parent__parent")
    code = request.GET.get("county", "")
    county = counties.filter(code=code).first() or counties.first()
    # Count only the organisations this user may see.
    visible = selectors.organisation_list(user=request.user).values("pk")
    townships = (
        county.children.annotate(n=Count("organisations", filter=Q(organisations__in=visible))).order_by(
            "code"
        )
        if county
        else []
    )
    return render(
        request,
        "core/region_list.html",
        {"counties": counties[:200], "county": county, "townships": townships},
    )


# --- audit -----------------------------------------------------------------------------------------------


def _audit_query(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    permissions.require(
        permissions.can_read_audit(request.user), request.user, "audit.read", what="core.auditevent"
    )
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.audit_list(user=request.user, **{k: v for k, v in filters.items() if v})


@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    from . import throttle

    form, qs = _audit_query(request)  # the auditor only (refused and audited otherwise)
    throttle.close_windows()  # finished minutes of failed logins get their summary event first
    context = {
        "form": form,
        "page": _page(request, qs.select_related(None)),
        "open_windows": throttle.open_windows(),
    }
    return _render_list(request, "core/audit_list.html", context)


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    from kechuang.imports.excel import xlsx_response

    from . import throttle

    _form, qs = _audit_query(request)
    throttle.close_windows()
    headers = [
        _("时间（UTC）"),
        _("账号"),
        "IP",
        _("操作"),
        _("对象类型"),
        _("对象编号"),
        _("对象"),
        _("结果"),
        _("修改前"),
        _("修改后"),
        _("说明"),
    ]
    rows = (
        [
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.username,
            e.ip or "",
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.get_result_display(),
            _json(e.before),
            _json(e.after),
            e.detail,
        ]
        for e in qs[:100_000]
    )
    audit.record(
        "export",
        by=request.user,
        object_type="core.auditevent",
        detail=f"审计日志导出 {request.GET.urlencode()}",
    )
    return xlsx_response(_("审计日志"), headers, rows)


def _json(value: Any) -> str:
    import json

    return "" if value is None else json.dumps(value, ensure_ascii=False)
