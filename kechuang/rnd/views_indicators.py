"""Pages of the R&D stream's indicators: the county's indicator table, the ranking tables, the R&D
dashboard, the county data they rest on (economy data, published figures, targets) and the enterprise
statistics. Views parse, call a selector or service, and render.

Reading: the indicator page, dashboard and data lists are for the region roles (a county's staff and
leaders, the city, the province), each county's records scoped by the permission module; rankings show
every county of the province or city (see selectors_indicators). Writing the county data: the county's
staff, through the services (county_economy_save refreshes the indicators)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core import audit, permissions
from kechuang.core import selectors as core_selectors
from kechuang.core.models import Organisation, Region, Role
from kechuang.core.navigation import Link, Panel
from kechuang.core.views import AuthedRequest, _form_page, _page, _render_list, _visible_or_404
from kechuang.imports.excel import xlsx_response
from kechuang.imports.registers import get_register

from . import dashboard as boards
from . import selectors_indicators as sel
from . import services
from .forms_indicators import FORMS
from .models import CountyEconomy, EnterpriseStat, Frequency, Indicator, IndicatorKey, OfficialFigure, Target

FULL_YEAR = 12


def _require_reader(request: HttpRequest, what: str) -> None:
    permissions.require(sel.may_read(request.user), request.user, f"rnd.{what}", what="rnd.indicator")


def _is_staff(user: Any) -> bool:
    return permissions.has_role(user, Role.STAFF)


def _county_or_404(request: AuthedRequest) -> Region:
    """The county asked for (`?county=`) if the user may read it, else the user's own."""
    county = sel.pick_county(request.user, request.GET.get("county"))
    if county is None:
        raise Http404(_("您的账号没有可查看的县（市、区）。"))
    return county


def _span_choices(months: list[int]) -> list[tuple[int, str]]:
    return [(m, sel.span_label(m)) for m in sorted(months, reverse=True)]


# --- indicators -----------------------------------------------------------------------------------------------


@login_required
def indicators_page(request: AuthedRequest) -> HttpResponse:
    _require_reader(request, "indicators")
    user = request.user
    county = _county_or_404(request)
    periods = sel.periods_of(county)
    year, months = sel.pick_period(periods, request.GET.get("year"), request.GET.get("months"))
    lines = sel.indicator_lines(county, year, months) if year else []
    return render(
        request,
        "rnd/indicators/indicators.html",
        {
            "county": county,
            "counties": sel.readable_counties(user) if not sel.home_county(user) else [],
            "years": list(periods),
            "year": year,
            "months": months,
            "spans": _span_choices(periods.get(year, [])) if year else [],
            "span": sel.span_label(months),
            "lines": lines,
            "has_data": any(line.indicator for line in lines),
            "can_write": permissions.is_county_staff(user, county.code),
        },
    )


@login_required
def ranking_page(request: AuthedRequest) -> HttpResponse:
    _require_reader(request, "ranking")
    user = request.user
    county = _county_or_404(request)
    key = request.GET.get("key", "")
    if key not in sel.KEYS:
        key = str(IndicatorKey.RD_INTENSITY)
    scope = request.GET.get("scope", "province")
    scope = scope if scope in sel.SCOPES else "province"
    available = (
        Indicator.objects.filter(key=key, county__code__startswith=county.code[:2])
        .values_list("year", "months")
        .distinct()
        .order_by("-year", "-months")
    )
    periods: dict[int, list[int]] = {}
    for y, m in available:
        periods.setdefault(y, []).append(m)
    year, months = sel.pick_period(periods, request.GET.get("year"), request.GET.get("months"))
    if key in sel.ANNUAL_ONLY:
        months = FULL_YEAR
    prefix = county.code[:2] if scope == "province" else county.code[:4]
    rows = sel.ranking(key, year, months, prefix) if year else []
    field = "province_rank" if scope == "province" else "city_rank"
    ranks = [getattr(r, field) for r in rows]
    table = [
        {
            "rank": getattr(r, field),
            "tied": ranks.count(getattr(r, field)) > 1,
            "row": r,
            "mine": r.county_id == county.code,
            "value": sel.show_value(key, r.value),
            "previous": sel.show_value(key, r.previous),
            "change": sel.show_change(key, r.change),
        }
        for r in rows
    ]
    area = Region.objects.filter(
        code=county.code[:2] + "0000" if scope == "province" else county.code[:4] + "00"
    ).first()
    return render(
        request,
        "rnd/indicators/ranking.html",
        {
            "county": county,
            "counties": sel.readable_counties(user) if not sel.home_county(user) else [],
            "key": key,
            "label": sel.label_of(key),
            "keys": [(k, sel.label_of(k)) for k in sel.KEYS],
            "scope": scope,
            "area": area,
            "years": list(periods),
            "year": year,
            "months": months,
            "spans": _span_choices(periods.get(year, [])) if year else [],
            "span": sel.span_label(months),
            "table": table,
            "annual_only": key in sel.ANNUAL_ONLY,
        },
    )


# --- dashboard --------------------------------------------------------------------------------------------------


@login_required
def dashboard_page(request: AuthedRequest) -> HttpResponse:
    _require_reader(request, "dashboard")
    user = request.user
    county = _county_or_404(request)
    periods = sel.periods_of(county)
    years = list(periods)
    year, _months = sel.pick_period(periods, request.GET.get("year"), None)
    memo: dict[str, int] = {}  # the counties of the province and city: asked once for the page
    charts = boards.charts(user, county, year, memo) if year else []
    wanted = request.GET.get("export", "")
    if wanted:
        chart = next((c for c in charts if c.slug == wanted), None)
        if chart is None:
            raise Http404(_("没有这个图表。"))
        permissions.require(permissions.can_export(user), user, "export.rnd_dashboard", what="rnd.indicator")
        title = f"{county.name}{chart.title}"
        audit.record(
            "export", by=user, object_type="rnd.indicator", object_repr=title,
            after={"rows": len(chart.rows), "county": county.code, "year": year, "chart": chart.slug},
            detail=_("导出%(t)s %(n)d 条") % {"t": title, "n": len(chart.rows)},
        )  # fmt: skip
        return xlsx_response(title, chart.headers, chart.export_rows())
    return render(
        request,
        "rnd/indicators/dashboard.html",
        {
            "county": county,
            "counties": sel.readable_counties(user) if not sel.home_county(user) else [],
            "years": years,
            "year": year,
            "charts": charts,
            "kpis": boards.kpis(county, year, memo) if year else [],
            "can_export": permissions.can_export(user),
        },
    )


# --- county data entry: economy, published figures, targets ---------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    model: type[Model]
    slug: str
    title: Any
    save: Callable[..., Any]
    delete: Callable[[Any, Any], None]

    @property
    def list_url(self) -> str:
        return f"rnd:{self.slug}_list"


ENTRIES = {
    "economy": Entry(
        CountyEconomy, "economy", gettext_lazy("县域经济数据"), services.county_economy_save,
        lambda by, obj: services.county_economy_delete(by=by, row=obj),
    ),
    "official": Entry(
        OfficialFigure, "official", gettext_lazy("公布数据"), services.official_figure_save,
        lambda by, obj: services.record_delete(by=by, obj=obj),
    ),
    "target": Entry(
        Target, "target", gettext_lazy("目标任务"), services.target_save,
        lambda by, obj: services.record_delete(by=by, obj=obj),
    ),
}  # fmt: skip


def _for_change(entry: Entry) -> Callable[..., Any]:
    """Getter for records the user may change (their county's staff); others look absent (404, audited)."""

    def get(*, user: Any, pk: int) -> Any:
        model = entry.model
        qs = model._default_manager.filter(permissions.county_record_filter(user, model, for_change=True))
        return qs.select_related("county").get(pk=pk)

    return get


def _entry_list(request: AuthedRequest, entry: Entry) -> HttpResponse:
    _require_reader(request, f"{entry.slug}.list")
    user = request.user
    qs = permissions.visible(user, entry.model._default_manager.select_related("county"))
    years = list(qs.order_by("-year").values_list("year", flat=True).distinct())
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    county = request.GET.get("county", "")
    if county.isdigit():
        qs = qs.filter(county_id=county)
    page = _page(request, qs)
    for record in page.object_list:
        record.can_change = permissions.is_county_staff(user, record.county_id)
        if isinstance(record, OfficialFigure | Target):
            record.shown = sel.show_value(record.indicator, record.fraction)  # type: ignore[union-attr]
    return _render_list(
        request,
        f"rnd/indicators/{entry.slug}_list.html",
        {
            "entry": entry,
            "page": page,
            "years": years,
            "year": int(year) if year.isdigit() else None,
            "counties": sel.readable_counties(user),
            "county": county,
            "can_create": _is_staff(user),
        },
    )


def _entry_edit(request: AuthedRequest, entry: Entry, pk: int | None) -> HttpResponse:
    user = request.user
    permissions.require(_is_staff(user), user, f"rnd.{entry.slug}.edit", what=entry.model._meta.label_lower)
    instance = _visible_or_404(request, entry.model, pk, _for_change(entry)) if pk else None
    form = FORMS[entry.model](request.POST or None, user=user, instance=instance)
    return _form_page(
        request,
        form,
        lambda data, loaded: entry.save(by=user, data=data, instance=instance, loaded=loaded),
        detail=lambda record: f"{reverse(entry.list_url)}?year={record.year}",
        template="rnd/indicators/entry_form.html",
        context={"entry": entry, "instance": instance},
        done=_("已保存：%(n)s"),
    )


def _entry_delete(request: AuthedRequest, entry: Entry, pk: int) -> HttpResponse:
    record = _visible_or_404(request, entry.model, pk, _for_change(entry))
    try:
        entry.delete(request.user, record)
    except ValidationError as e:  # e.g. a target a frozen summary rests on
        for message in e.messages:
            messages.error(request, message)
        return redirect(f"{reverse(entry.list_url)}?year={record.year}")
    messages.success(request, _("已删除：%(r)s") % {"r": record})
    return redirect(entry.list_url)


def _views(slug: str) -> tuple[Callable, Callable, Callable]:
    entry = ENTRIES[slug]

    @login_required
    def list_view(request: AuthedRequest) -> HttpResponse:
        return _entry_list(request, entry)

    @login_required
    def edit_view(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
        return _entry_edit(request, entry, pk)

    @require_POST
    @login_required
    def delete_view(request: AuthedRequest, pk: int) -> HttpResponse:
        return _entry_delete(request, entry, pk)

    return list_view, edit_view, delete_view


economy_list, economy_edit, economy_delete = _views("economy")
official_list, official_edit, official_delete = _views("official")
target_list, target_edit, target_delete = _views("target")


# --- enterprise statistics --------------------------------------------------------------------------------------------


@login_required
def stats_list(request: AuthedRequest) -> HttpResponse:
    """The statistics imported from the returns; an enterprise sees its own. Export writes what is listed."""
    user = request.user
    permissions.require(
        sel.may_read(user) or bool(permissions.own_organisation_ids(user)), user, "rnd.stats.list",
        what="rnd.enterprisestat",
    )  # fmt: skip
    register = get_register("enterprise_stats")
    qs = register.filtered(user, request.GET)
    assert qs is not None
    totals = qs.aggregate(
        n=Count("pk"), enterprises=Count("organisation", distinct=True), rd=Sum("rd_expenditure"),
        high_tech=Sum("high_tech_value_added"),
    )  # fmt: skip
    years = list(register.queryset(user).order_by("-year").values_list("year", flat=True).distinct())
    return _render_list(
        request,
        "rnd/indicators/stats_list.html",
        {
            "page": _page(request, qs),
            "totals": totals,
            "years": years,
            "frequencies": Frequency.choices,
            "filters": {k: request.GET.get(k, "") for k in ("q", "year", "frequency", "organisation")},
            "query": request.GET.urlencode(),
        },
    )


@login_required
def stats_delete(request: AuthedRequest) -> HttpResponse:
    """Confirm, then remove one enterprise's statistics of one year (to re-import a corrected return)."""
    org_text = str(request.GET.get("organisation") or request.POST.get("organisation") or "")
    year_text = str(request.GET.get("year") or request.POST.get("year") or "")
    if not (org_text.isdigit() and year_text.isdigit()):
        raise Http404(_("请指定企业和年度。"))
    organisation = _visible_or_404(request, Organisation, int(org_text), core_selectors.organisation_get)
    year = int(year_text)
    permissions.require(
        permissions.is_county_staff(request.user, organisation.region_id), request.user, "rnd.stats.delete",
        organisation,
    )  # fmt: skip
    if request.method == "POST":
        n = services.enterprise_stats_delete(by=request.user, organisation=organisation, year=year)
        messages.success(
            request,
            _("已删除%(o)s %(y)d年的统计数据 %(n)d 条。") % {"o": organisation.name, "y": year, "n": n},
        )
        return redirect(f"{reverse('rnd:stats_list')}?organisation={organisation.pk}")
    rows = EnterpriseStat.objects.filter(organisation=organisation, year=year)
    return render(
        request,
        "rnd/indicators/stats_delete.html",
        {"organisation": organisation, "year": year, "count": rows.count()},
    )


# --- the API and other pages read these; the stream page and home page show these ------------------------------------


def _reader(user: Any) -> bool:
    return sel.may_read(user)


def _staff_or_leader(user: Any) -> bool:
    return permissions.has_role(user, Role.STAFF, Role.LEADER)


def _stats_reader(user: Any) -> bool:
    return sel.may_read(user) or bool(permissions.own_organisation_ids(user))


LINKS: list[Link] = [
    Link(gettext_lazy("指标与排名"), "rnd:indicators", gettext_lazy("R&D经费、投入强度、高新技术产业增加值等指标，全省、全市排名与目标完成情况。"), _reader),
    Link(gettext_lazy("R&D 看板"), "rnd:dashboard", gettext_lazy("近五年R&D经费与强度、本年累计与上年同期、重点企业、排名变化、目标。"), _reader),
    Link(gettext_lazy("县域经济数据"), "rnd:economy_list", gettext_lazy("地区生产总值、规上工业增加值（按年度和截至月份）。"), _reader),
    Link(gettext_lazy("公布数据"), "rnd:official_list", gettext_lazy("统计监测报告等公布的R&D经费、强度与排名，与平台计算数对照。"), _reader),
    Link(gettext_lazy("目标任务"), "rnd:target_list", gettext_lazy("各指标的年度目标与完成情况。"), _reader),
    Link(gettext_lazy("企业统计数据"), "rnd:stats_list", gettext_lazy("企业按月、季、年报送的R&D经费、营业收入、增加值等统计数据。"), _stats_reader),
]  # fmt: skip


def _home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Staff and leaders: the county's latest year-to-date R&D with its growth, and the intensity rank."""
    user = request.user
    if not _staff_or_leader(user):
        return None
    county = sel.home_county(user)
    if county is None:
        return None
    latest = (
        Indicator.objects.filter(county=county, key=IndicatorKey.RD_EXPENDITURE)
        .order_by("-year", "-months")
        .first()
    )
    if latest is None:
        return {"county": county, "empty": True}
    intensity = (
        Indicator.objects.filter(county=county, key=IndicatorKey.RD_INTENSITY)
        .filter(Q(year=latest.year) | Q(year=latest.year - 1, months=FULL_YEAR))
        .order_by("-year", "-months")
        .first()
    )
    memo: dict[str, int] = {}
    return {
        "county": county,
        "rd": latest,
        "rd_span": f"{latest.year}年{sel.span_label(latest.months)}",
        "rd_value": sel.show_value(latest.key, latest.value),
        "rd_change": sel.show_change(latest.key, latest.change),
        "intensity": intensity,
        "intensity_span": f"{intensity.year}年{sel.span_label(intensity.months)}" if intensity else "",
        "intensity_value": sel.show_value(intensity.key, intensity.value) if intensity else "",
        # the platform's own ranks, only over a complete province (city): else "—"
        "intensity_rank": _computed_rank(intensity, province=True, memo=memo),
        "intensity_city_rank": _computed_rank(intensity, province=False, memo=memo),
    }


def _computed_rank(indicator: Indicator | None, *, province: bool, memo: dict[str, int]) -> str:
    if indicator is None:
        return ""
    if not sel.holds_every_county(indicator, province=province, memo=memo):
        return "—"
    if province:
        return sel.rank_text(indicator.province_rank, indicator.province_count)
    return sel.rank_text(indicator.city_rank, indicator.city_count)


HOME_PANELS: list[Panel] = [Panel("rnd/indicators/_home_panel.html", _home_panel)]

urlpatterns: list[URLPattern] = [
    path("indicators/", indicators_page, name="indicators"),
    path("indicators/ranking/", ranking_page, name="ranking"),
    path("dashboard/", dashboard_page, name="dashboard"),
    path("economy/", economy_list, name="economy_list"),
    path("economy/new/", economy_edit, name="economy_edit"),
    path("economy/<int:pk>/edit/", economy_edit, name="economy_edit"),
    path("economy/<int:pk>/delete/", economy_delete, name="economy_delete"),
    path("official/", official_list, name="official_list"),
    path("official/new/", official_edit, name="official_edit"),
    path("official/<int:pk>/edit/", official_edit, name="official_edit"),
    path("official/<int:pk>/delete/", official_delete, name="official_delete"),
    path("targets/", target_list, name="target_list"),
    path("targets/new/", target_edit, name="target_edit"),
    path("targets/<int:pk>/edit/", target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", target_delete, name="target_delete"),
    path("stats/", stats_list, name="stats_list"),
    path("stats/delete/", stats_delete, name="stats_delete"),
]
