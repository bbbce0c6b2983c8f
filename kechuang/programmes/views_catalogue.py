"""Pages of the catalogue: policy documents with their incentive rules, programmes, and their calls.

Region roles read their counties' records; only the county's staff see the create/edit buttons and may
write (the services refuse anyone else as well). Enterprises read the active programmes and the calls of
their own county, so they can find an open call and apply to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, ProtectedError, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import permissions
from kechuang.core import selectors as core_selectors
from kechuang.core.models import Region
from kechuang.core.views import AuthedRequest, _form_page, _page, _render_list, _visible_or_404

from . import selectors, services
from .forms_catalogue import CallForm, PolicyForm, ProgrammeForm, RuleForm
from .models import Call, IncentiveRule, Level, PolicyDocument, Programme, Status

# --- helpers --------------------------------------------------------------------------------------------------


def _staff_counties(user: Any) -> QuerySet[Region]:
    """The counties whose work this user runs (where they may create policies and programmes)."""
    counties = core_selectors.counties_for(user)
    return counties.filter(code__in=[c.code for c in counties if permissions.is_county_staff(user, c.code)])


def _may_create(user: Any) -> bool:
    return bool(permissions.region_prefixes(user, permissions.WRITE_REGION_ROLES))


def _reads_county(user: Any, county_code: str) -> bool:
    """A region role over this county (staff, leader, city, province): it reads every application there;
    anyone else counts only their own."""
    return any(county_code.startswith(p) for p in permissions.region_prefixes(user))


def _may_read_policies(user: Any) -> bool:
    """Policy documents are read by the region roles (an enterprise sees the 文号, not a link)."""
    return permissions.has_role(user, *permissions.READ_REGION_ROLES)


def _require_staff(request: HttpRequest, county_code: str | None, action: str, obj: Model | None) -> None:
    """Only the county's staff open a create/edit page or post to it; others get a clean 403 (audited)."""
    permissions.require(
        permissions.is_county_staff(request.user, county_code),
        request.user,
        action,
        obj,
        what="programmes",
    )


def _require_any_staff(request: HttpRequest, action: str) -> None:
    permissions.require(_may_create(request.user), request.user, action, what="programmes")


def _save_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any], Any], Any],
    *,
    template: str,
    context: dict[str, Any],
    done: str,
    next_url: Callable[[Any], str],
) -> HttpResponse:
    """Core's create/edit page (compare-and-set edits included), going on to next_url."""
    return _form_page(request, form, save, detail=next_url, template=template, context=context, done=done)


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _article_number(article: str) -> int:
    """第三条 → 3, 第十二条 → 12, 第2条 → 2 (for listing a policy's rules in article order)."""
    text = article.strip().removeprefix("第").split("条")[0].split("款")[0]
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in "十百":
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
        else:
            return 10_000  # an article we cannot read goes last, in entry order
    return total + digit if text else 10_000


def _status_bar(counts: dict[str, int]) -> dict[str, Any]:
    """The non-zero statuses of a set of applications, in workflow order, for the compact bar."""
    total = sum(counts.values())
    labels = dict(Status.choices)
    segments = [
        {"status": s, "label": labels[s], "n": n, "share": round(n * 100 / total, 1)}
        for s, n in counts.items()
        if n
    ]
    return {"total": total, "segments": segments}


# --- policy documents -----------------------------------------------------------------------------------------


@login_required
def policy_list(request: AuthedRequest) -> HttpResponse:
    filters: dict[str, Any] = {"q": request.GET.get("q", "").strip(), "year": _int(request.GET.get("year"))}
    qs = selectors.policy_catalogue(user=request.user, **filters)
    return _render_list(
        request,
        "programmes/policy_list.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "years": selectors.policy_years(user=request.user),
            "can_create": _may_create(request.user),
        },
    )


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _visible_or_404(request, PolicyDocument, pk, selectors.policy_get)
    return render(
        request,
        "programmes/policy_detail.html",
        {
            "policy": policy,
            "rules": sorted(
                selectors.rule_list(user=request.user, policy=policy),
                key=lambda r: (_article_number(r.article), r.pk),
            ),
            "programmes": selectors.programme_list(user=request.user).filter(policy=policy),
            "can_change": permissions.is_county_staff(request.user, policy.county_id),
        },
    )


@login_required
def policy_create(request: HttpRequest) -> HttpResponse:
    _require_any_staff(request, "create policydocument")
    form = PolicyForm(request.POST or None, counties=_staff_counties(request.user))
    return _save_page(
        request,
        form,
        lambda data, _loaded: services.policy_save(by=request.user, data=data),
        template="programmes/policy_form.html",
        context={},
        done=_("已登记政策文件：%(n)s"),
        next_url=lambda p: reverse("programmes:policy_detail", args=[p.pk]),
    )


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _visible_or_404(request, PolicyDocument, pk, selectors.policy_get)
    _require_staff(request, policy.county_id, "update policydocument", policy)
    heading = str(policy)
    return _save_page(
        request,
        PolicyForm(request.POST or None, instance=policy, counties=None),
        lambda data, loaded: services.policy_save(by=request.user, data=data, policy=policy, loaded=loaded),
        template="programmes/policy_form.html",
        context={"policy": policy, "heading": heading},
        done=_("已保存：%(n)s"),
        next_url=lambda p: reverse("programmes:policy_detail", args=[p.pk]),
    )


# --- incentive rules --------------------------------------------------------------------------------------------


@login_required
def rule_create(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _visible_or_404(request, PolicyDocument, pk, selectors.policy_get)
    _require_staff(request, policy.county_id, "create incentiverule", policy)
    return _save_page(
        request,
        RuleForm(request.POST or None, user=request.user, policy=policy),
        lambda data, _loaded: services.rule_save(by=request.user, policy=policy, data=data),
        template="programmes/rule_form.html",
        context={"policy": policy},
        done=_("已添加奖励条款：%(n)s"),
        next_url=lambda r: reverse("programmes:policy_detail", args=[policy.pk]) + "#rules",
    )


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _visible_or_404(request, IncentiveRule, pk, selectors.rule_get)
    policy = rule.policy
    _require_staff(request, policy.county_id, "update incentiverule", rule)
    return _save_page(
        request,
        RuleForm(request.POST or None, user=request.user, policy=policy, rule=rule),
        lambda data, loaded: services.rule_save(
            by=request.user, policy=policy, data=data, rule=rule, loaded=loaded
        ),
        template="programmes/rule_form.html",
        context={"policy": policy, "rule": rule, "heading": str(rule)},
        done=_("已保存奖励条款：%(n)s"),
        next_url=lambda r: reverse("programmes:policy_detail", args=[policy.pk]) + "#rules",
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = _visible_or_404(request, IncentiveRule, pk, selectors.rule_get)
    policy_pk = rule.policy_id
    try:
        services.rule_delete(by=request.user, rule=rule)
    except ProtectedError:
        messages.error(request, _("该条款已被企业申报引用，不能删除。"))
    else:
        messages.success(request, _("已删除奖励条款：%(n)s") % {"n": rule.item})
    return redirect(reverse("programmes:policy_detail", args=[policy_pk]) + "#rules")


# --- programmes -----------------------------------------------------------------------------------------------------

SORTS = [
    ("level", _("按层级分组")),
    ("name", _("按名称")),
    ("calls", _("按批次数")),
    ("applications", _("按申报数")),
]


@login_required
def programme_list(request: AuthedRequest) -> HttpResponse:
    sort = request.GET.get("sort", "")
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in Programme.Kind.values else "",
        "level": request.GET.get("level", "") if request.GET.get("level") in Level.values else "",
        "sort": sort if sort in dict(SORTS) else "level",
    }
    qs = selectors.programme_catalogue(user=request.user, **filters)
    context: dict[str, Any] = {
        "page": _page(request, qs),
        "filters": filters,
        "levels": Level.choices,
        "kinds": Programme.Kind.choices,
        "sorts": SORTS,
        "grouped": filters["sort"] == "level",
        "own_only": not permissions.region_prefixes(request.user),
        "can_create": _may_create(request.user),
        "can_read_policies": _may_read_policies(request.user),
    }
    if not request.htmx:
        today = timezone.localdate()
        context["open_calls"] = [
            {"call": c, "days_left": (c.applicant_deadline - today).days}
            for c in selectors.open_calls_for(user=request.user, today=today).order_by(
                "county_deadline", "closes_on", "programme__name"
            )
        ]
    return _render_list(request, "programmes/programme_list.html", context)


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _visible_or_404(request, Programme, pk, selectors.programme_get_for_applicants)
    today = timezone.localdate()
    calls = []
    for call in selectors.calls_for_applicants(user=request.user, programme=programme):
        counts = selectors.status_counts(selectors.application_list(user=request.user, call=call.pk))
        calls.append({"call": call, "bar": _status_bar(counts), "is_open": call.is_open(today)})
    policy_visible = (
        programme.policy_id is not None
        and selectors.policy_list(user=request.user).filter(pk=programme.policy_id).exists()
    )
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "calls": calls,
            "own_only": not _reads_county(request.user, programme.county_id),
            "policy_visible": policy_visible,
            "rewarded_by": selectors.rule_list(user=request.user).filter(achievement=programme),
            "can_change": permissions.is_county_staff(request.user, programme.county_id),
        },
    )


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    _require_any_staff(request, "create programme")
    form = ProgrammeForm(request.POST or None, user=request.user, counties=_staff_counties(request.user))
    return _save_page(
        request,
        form,
        lambda data, _loaded: services.programme_save(by=request.user, data=data),
        template="programmes/programme_form.html",
        context={},
        done=_("已登记项目类别：%(n)s"),
        next_url=lambda p: reverse("programmes:programme_detail", args=[p.pk]),
    )


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _visible_or_404(request, Programme, pk, selectors.programme_get_for_applicants)
    _require_staff(request, programme.county_id, "update programme", programme)
    heading = str(programme)
    return _save_page(
        request,
        ProgrammeForm(request.POST or None, instance=programme, user=request.user, counties=None),
        lambda data, loaded: services.programme_save(
            by=request.user, data=data, programme=programme, loaded=loaded
        ),
        template="programmes/programme_form.html",
        context={"programme": programme, "heading": heading},
        done=_("已保存：%(n)s"),
        next_url=lambda p: reverse("programmes:programme_detail", args=[p.pk]),
    )


# --- calls ------------------------------------------------------------------------------------------------------------


@login_required
def call_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    call = _visible_or_404(request, Call, pk, selectors.call_get_for_applicants)
    programme = call.programme
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    applications = selectors.application_list(user=request.user, call=call.pk)
    today = timezone.localdate()
    is_open = call.is_open(today)
    staff = permissions.is_county_staff(request.user, programme.county_id)
    applicant = programme.county_id in selectors.applicant_county_codes(request.user)
    return _render_list(
        request,
        "programmes/call_detail.html",
        {
            "call": call,
            "programme": programme,
            "today": today,
            "is_open": is_open,
            "days_left": (call.applicant_deadline - today).days if is_open else None,
            "not_yet": today < call.opens_on,
            "bar": _status_bar(selectors.status_counts(applications)),
            "status": status,
            "own_only": not _reads_county(request.user, programme.county_id),
            "status_label": Status(status).label if status else "",
            "page": _page(request, applications.filter(status=status) if status else applications),
            "can_change": staff,
            "can_apply": staff or (applicant and is_open and programme.is_active),
        },
    )


@login_required
def call_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _visible_or_404(request, Programme, pk, selectors.programme_get_for_applicants)
    _require_staff(request, programme.county_id, "create call", programme)
    form = CallForm(request.POST or None, programme=programme, initial={"year": timezone.localdate().year})
    return _save_page(
        request,
        form,
        lambda data, _loaded: services.call_save(by=request.user, data=data),
        template="programmes/call_form.html",
        context={"programme": programme},
        done=_("已发布申报批次：%(n)s"),
        next_url=lambda c: reverse("programmes:call_detail", args=[c.pk]),
    )


@login_required
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    call = _visible_or_404(request, Call, pk, selectors.call_get_for_applicants)
    programme = call.programme
    _require_staff(request, programme.county_id, "update call", call)
    heading = call.name
    return _save_page(
        request,
        CallForm(request.POST or None, instance=call, programme=programme),
        lambda data, loaded: services.call_save(by=request.user, data=data, call=call, loaded=loaded),
        template="programmes/call_form.html",
        context={"programme": programme, "call": call, "heading": heading},
        done=_("已保存：%(n)s"),
        next_url=lambda c: reverse("programmes:call_detail", args=[c.pk]),
    )


urlpatterns: list[URLPattern] = [
    path("policies/", policy_list, name="policy_list"),
    path("policies/new/", policy_create, name="policy_create"),
    path("policies/<int:pk>/", policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", policy_edit, name="policy_edit"),
    path("policies/<int:pk>/rules/new/", rule_create, name="rule_create"),
    path("rules/<int:pk>/edit/", rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rule_delete, name="rule_delete"),
    path("catalogue/", programme_list, name="programme_list"),
    path("catalogue/new/", programme_create, name="programme_create"),
    path("catalogue/<int:pk>/", programme_detail, name="programme_detail"),
    path("catalogue/<int:pk>/edit/", programme_edit, name="programme_edit"),
    path("catalogue/<int:pk>/calls/new/", call_create, name="call_create"),
    path("calls/<int:pk>/", call_detail, name="call_detail"),
    path("calls/<int:pk>/edit/", call_edit, name="call_edit"),
]
