"""Pages: the dashboard of each role (/reports/dashboard/) and the Excel export of each chart's data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit, permissions
from kechuang.core.models import Role
from kechuang.core.views import AuthedRequest
from kechuang.imports.excel import xlsx_response

from . import dashboards

TEMPLATES = {
    Role.STAFF: "reports/dashboard_county.html",
    Role.LEADER: "reports/dashboard_county.html",
    Role.CITY: "reports/dashboard_region.html",
    Role.PROVINCE: "reports/dashboard_region.html",
    "applicant": "reports/dashboard_applicant.html",
}


def _year(request: AuthedRequest) -> int:
    raw = str(request.GET.get("year", "") or "")
    this_year = timezone.localdate().year
    year = int(raw) if raw.isdigit() else this_year
    return year if 2000 <= year <= this_year + 1 else this_year


def _scope(request: AuthedRequest, action: str) -> dashboards.Scope:
    scope = dashboards.pick_scope(request.user, str(request.GET.get("scope", "") or ""))
    permissions.require(
        scope is not None,
        request.user,
        action,
        what="reports.dashboard",
        message=_("您的账号没有可查看的看板。"),
    )
    assert scope is not None
    return scope


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    scope = _scope(request, "view dashboard")
    year = _year(request)
    sort = str(request.GET.get("sort", "") or "")
    board = dashboards.build(request.user, scope, year, sort=sort)
    this_year = timezone.localdate().year
    return render(
        request,
        TEMPLATES[scope.role],
        {
            "board": board,
            "scope": scope,
            "scopes": dashboards.scopes_of(request.user),
            "year": year,
            "years": list(range(this_year, this_year - 8, -1)),
            "sort": sort,
            "can_export": permissions.can_export(request.user),
        },
    )


@login_required
def dashboard_chart_xlsx(request: AuthedRequest, slug: str) -> HttpResponse:
    user = request.user
    permissions.require(
        permissions.can_export(user), user, "export dashboard chart", what="reports.dashboard"
    )
    scope = _scope(request, "export dashboard chart")
    year = _year(request)
    board = dashboards.build(user, scope, year, sort=str(request.GET.get("sort", "") or ""), with_work=False)
    chart = board.chart(slug)
    if chart is None:
        raise Http404(_("没有这个图表。"))
    title = f"{scope.region.name if scope.region else ''}{chart.title}"
    audit.record(
        "export",
        by=user,
        object_type="reports.dashboard",
        object_id=slug,
        object_repr=title,
        after={"rows": len(chart.rows), "chart": slug, "year": year, "scope": scope.key},
        detail=_("导出看板图表数据%(t)s %(n)d 条") % {"t": title, "n": len(chart.rows)},
    )
    return xlsx_response(title, chart.headers, chart.rows)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/charts/<slug:slug>/xlsx/", dashboard_chart_xlsx, name="dashboard_chart_xlsx"),
]
