"""Page: enterprises entitled to an incentive they have not claimed (staff remind them from here)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit, permissions
from kechuang.core.models import Role

from . import selectors
from .eligibility import eligible_unclaimed
from .reminders import applicant_users, notify


def _policy_id(request: HttpRequest) -> int | None:
    raw = request.GET.get("policy") or request.POST.get("policy") or ""
    return int(raw) if raw.isdigit() else None


@login_required
def eligible(request: HttpRequest) -> HttpResponse:
    user = request.user
    permissions.require(
        permissions.has_role(user, *permissions.READ_REGION_ROLES), user, "view eligible list"
    )
    policy_id = _policy_id(request)
    rows = eligible_unclaimed(user=user, policy_id=policy_id)
    if request.GET.get("export") == "xlsx":
        permissions.require(permissions.can_export(user), user, "export eligible list")
        from kechuang.imports.excel import xlsx_response

        audit.record(
            "export",
            by=user,
            object_type="programmes.award",
            detail=f"应享未申报名单 {request.GET.urlencode()}",
        )
        headers = [
            _("企业"),
            _("统一社会信用代码"),
            _("政策文件"),
            _("文号"),
            _("奖励事项"),
            _("认定成果"),
            _("认定日期"),
            _("可得金额（元）"),
            _("草稿"),
        ]
        return xlsx_response(
            _("应享未申报名单"),
            headers,
            (
                [
                    r.organisation.name, r.organisation.credit_code, r.rule.policy.title, r.rule.policy.number,
                    r.rule.item, str(r.rule.achievement), r.award.decided_on, r.amount, _("有") if r.draft else "",
                ]
                for r in rows
            ),
        )  # fmt: skip
    total = sum((r.amount for r in rows), start=0)
    return render(
        request,
        "programmes/eligible.html",
        {
            "rows": rows,
            "total": total,
            "enterprises": len({r.organisation.pk for r in rows}),
            "policies": selectors.policy_list(user=user).filter(rules__isnull=False).distinct(),
            "policy_id": policy_id,
            "can_remind": permissions.has_role(user, Role.STAFF),
        },
    )


@login_required
@require_POST
def eligible_remind(request: HttpRequest) -> HttpResponse:
    """Put a reminder in the inbox of each entitled enterprise's users (once per rule and achievement)."""
    user = request.user
    permissions.require(permissions.has_role(user, Role.STAFF), user, "remind eligible enterprises")
    sent = 0
    for row in eligible_unclaimed(user=user, policy_id=_policy_id(request)):
        if not permissions.is_county_staff(user, row.award.county_id):
            continue
        title = _("您可能符合《%(p)s》的“%(i)s”奖励，尚未申报") % {
            "p": row.rule.policy.title,
            "i": row.rule.item,
        }
        users = applicant_users(row.award.application)
        sent += len(
            notify(
                users,
                key=f"eligible:{row.rule.pk}:{row.award.pk}",
                title=title,
                link="/programmes/applications/",
            )
        )
    audit.record(
        "remind", by=user, object_type="programmes.incentiverule", detail=f"应享未申报提醒 {sent} 条"
    )
    messages.success(request, _("已向企业发送 %(n)s 条站内提醒（已提醒过的不再重复）。") % {"n": sent})
    return redirect(request.META.get("HTTP_REFERER") or "programmes:eligible")


urlpatterns = [
    path("eligible/", eligible, name="eligible"),
    path("eligible/remind/", eligible_remind, name="eligible_remind"),
]
