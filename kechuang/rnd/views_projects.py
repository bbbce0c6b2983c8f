"""Pages of enterprises' R&D projects (研发项目), their monthly expense collection (研发费用归集) and the
super-deduction (研发费用加计扣除) it yields, plus the rate table behind it. An enterprise keeps its own;
the county's bureau staff keep and read the county's; leaders, city and province read. Views parse, call a
selector or a service (kechuang.rnd.services), and render."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core import audit, permissions
from kechuang.core.models import Organisation, Role
from kechuang.core.navigation import Link, Panel
from kechuang.core.views import AuthedRequest, _form_page, _page, _render_list, _visible_or_404
from kechuang.imports.excel import xlsx_response
from kechuang.imports.registers import REGISTERS

from . import deduction as deduction_rules
from . import selectors_projects as selectors
from . import services
from .forms_projects import CATEGORIES, MONTHS, ExpenseGridForm, ProjectForm, cell_name
from .models import ZERO, DeductionRate, RndExpense, RndProject

EXPORT_LIMIT = 100_000


def _this_year() -> int:
    return timezone.localdate().year


def yuan(value: Decimal | None) -> str:
    """An exact amount in 元 with thousands separators (the cap's arithmetic is to the 分)."""
    return "—" if value is None else f"{value:,.2f}"


def rate_pct(rate: Decimal) -> str:
    """0.75 → "75%", 1.0000 → "100%" (as the announcements write it)."""
    value = (rate * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{value:f}%"


def _may_use(user: Any) -> bool:
    """The project and deduction pages: the county's region roles and enterprise users."""
    return permissions.has_role(user, *permissions.READ_REGION_ROLES, Role.ENTERPRISE)


def _require_use(request: HttpRequest, action: str) -> None:
    permissions.require(_may_use(request.user), request.user, action, what="rnd.rndproject")


def _may_export(user: Any) -> bool:
    """Region readers export what they read; an enterprise its own projects (all it can see)."""
    return permissions.can_export(user) or bool(permissions.own_organisation_ids(user))


def _own_enterprises(user: Any) -> list[Organisation]:
    return list(Organisation.objects.filter(pk__in=permissions.own_organisation_ids(user)).order_by("name"))


# --- projects -------------------------------------------------------------------------------------------


@login_required
def project_list(request: AuthedRequest) -> HttpResponse:
    _require_use(request, "rnd_project.list")
    user, this_year = request.user, _this_year()
    filters = selectors.project_filters(request.GET, this_year=this_year)
    qs = selectors.project_list(user=user, **filters)
    if request.GET.get("export") == "xlsx":
        return _project_export(request, qs, filters)
    is_region = permissions.has_role(user, *permissions.READ_REGION_ROLES)
    page = _page(request, qs)
    for project in page:
        project.can_change = services.may_write_for(user, project.organisation)  # type: ignore[attr-defined]
    return _render_list(
        request,
        "rnd/projects/project_list.html",
        {
            "page": page,
            "filters": filters,
            "years": selectors.project_years(user=user, this_year=this_year),
            "organisations": selectors.project_organisations(user=user) if is_region else [],
            "is_region": is_region,
            "can_create": permissions.has_role(user, Role.STAFF, Role.ENTERPRISE),
            "can_import": REGISTERS["rnd_projects"].may_import(user),
            "can_export": _may_export(user),
            "this_year": this_year,
        },
    )


def _project_export(request: AuthedRequest, qs: Any, filters: dict[str, Any]) -> HttpResponse:
    """What the list shows, as .xlsx, audited."""
    user = request.user
    permissions.require(_may_export(user), user, "export.rnd_projects", what="rnd.rndproject")
    year = filters["year"]
    collected = _("%(y)d年归集（元）") % {"y": year} if year else _("累计归集（元）")
    headers = [
        _("企业"), _("统一社会信用代码"), _("项目编号"), _("项目名称"), _("研发形式"), _("开始日期"), _("结束日期"),
        _("预算（元）"), _("研发人员（人）"), collected,
    ]  # fmt: skip
    rows = [
        [
            p.organisation.name,
            p.organisation.credit_code,
            p.code,
            p.title,
            p.get_kind_display(),
            p.starts_on,
            p.ends_on,
            p.budget,
            p.staff,
            p.collected,
        ]  # fmt: skip
        for p in qs[:EXPORT_LIMIT]
    ]
    title = _("研发项目")
    audit.record(
        "export",
        by=user,
        object_type="rnd.rndproject",
        object_repr=title,
        after={"rows": len(rows), "filters": {k: v for k, v in request.GET.items() if k != "export"}},
        detail=_("导出%(t)s %(n)d 条") % {"t": title, "n": len(rows)},
    )
    return xlsx_response(title, headers, rows)


def _project_form_page(request: AuthedRequest, project: RndProject | None) -> HttpResponse:
    user = request.user
    staff = permissions.has_role(user, Role.STAFF)
    organisations = selectors.creatable_organisations(user)
    form = ProjectForm(request.POST or None, instance=project, organisations=organisations, choose=staff)
    return _form_page(
        request,
        form,
        lambda data, loaded: services.rnd_project_save(by=user, data=data, instance=project, loaded=loaded),
        detail="rnd:project_detail",
        template="rnd/projects/project_form.html",
        context={"project": project, "own": form.own},
        done=_("已保存研发项目：%(n)s"),
    )


@login_required
def project_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    allowed = permissions.has_role(user, Role.STAFF, Role.ENTERPRISE) and (
        selectors.creatable_organisations(user).exists()
    )
    permissions.require(allowed, user, "rnd_project.create", what="rnd.rndproject")
    return _project_form_page(request, None)


@login_required
def project_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _visible_or_404(request, RndProject, pk, selectors.project_get)
    permissions.require(
        services.may_write_for(request.user, project.organisation),
        request.user,
        "rnd_project.update",
        project,
    )
    return _project_form_page(request, project)


@login_required
def project_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _visible_or_404(request, RndProject, pk, selectors.project_get)
    permissions.require(
        services.may_write_for(request.user, project.organisation),
        request.user,
        "rnd_project.delete",
        project,
    )
    if request.method == "POST":
        services.rnd_project_delete(by=request.user, project=project)
        messages.success(request, _("已删除研发项目：%(n)s") % {"n": project})
        return redirect("rnd:project_list")
    months = project.expenses.count()
    return render(request, "rnd/projects/project_delete.html", {"project": project, "months": months})


def _grid_year(project: RndProject, raw: Any) -> int:
    """The year of the grid: the one asked for if the project runs in it, else this year (or the nearest
    year of the period)."""
    first, last = project.starts_on.year, project.ends_on.year
    text = str(raw or "")
    if text.isdigit() and first <= int(text) <= last:
        return int(text)
    return min(max(_this_year(), first), last)


def _grid_rows(form: ExpenseGridForm, saved: dict[int, RndExpense], editable: bool) -> dict[str, Any]:
    """The 12 × 6 grid for the template: per month its cells (bound fields when editable, else amounts) and
    row total; per category the column total (from what is saved)."""
    rows = []
    columns = dict.fromkeys((name for name, _l in CATEGORIES), ZERO)
    for month in MONTHS:
        row = saved.get(month)
        inside = form.covers(month)
        cells = []
        for name, label in CATEGORIES:
            amount = getattr(row, name) if row else ZERO
            columns[name] += amount
            field = form[cell_name(month, name)]
            if editable:
                attrs = field.field.widget.attrs
                attrs.update({"inputmode": "decimal", "aria-label": f"{month}月{label}", "data-cat": name})
                if not inside:
                    attrs.update({"disabled": True, "placeholder": "—"})
            cells.append({"field": field, "amount": amount, "name": name})
        rows.append({"month": month, "inside": inside, "cells": cells, "total": row.total if row else ZERO})
    return {
        "rows": rows,
        "columns": [{"name": n, "total": t} for n, t in columns.items()],
        "grand": sum(columns.values(), ZERO),
    }


def _detail_page(
    request: AuthedRequest,
    project: RndProject,
    year: int,
    form: ExpenseGridForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    editable = services.may_write_for(user, project.organisation)
    saved = selectors.expense_rows(project, year)
    if form is None:
        initial = {
            cell_name(m, name): getattr(row, name) if getattr(row, name) else ""
            for m, row in saved.items()
            for name, _l in CATEGORIES
        }
        form = ExpenseGridForm(initial={"year": year, **initial}, project=project, year=year)
    return render(
        request,
        "rnd/projects/project_detail.html",
        {
            "project": project,
            "year": year,
            "years": list(range(project.starts_on.year, project.ends_on.year + 1)),
            "form": form,
            "grid": _grid_rows(form, saved, editable),
            "categories": CATEGORIES,
            "editable": editable,
            "errors": form.cell_errors() if form.is_bound else [],
        },
        status=status,
    )


@login_required
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _visible_or_404(request, RndProject, pk, selectors.project_get)
    return _detail_page(request, project, _grid_year(project, request.GET.get("year")))


@login_required
def expense_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save a whole year's grid: every changed month through services.rnd_expense_set in one transaction,
    all or nothing. A bad cell anywhere (negative, not a number, a month outside the period) saves none."""
    project = _visible_or_404(request, RndProject, pk, selectors.project_get)
    if request.method != "POST":
        return redirect("rnd:project_detail", pk=project.pk)
    user = request.user
    permissions.require(services.may_write_for(user, project.organisation), user, "rnd_expense.set", project)
    raw_year = str(request.POST.get("year") or "")
    if not (raw_year.isdigit() and project.starts_on.year <= int(raw_year) <= project.ends_on.year):
        messages.error(request, _("年度不在项目起止期间内，未保存。"))
        return redirect("rnd:project_detail", pk=project.pk)
    year = int(raw_year)
    form = ExpenseGridForm(request.POST, project=project, year=year)
    if form.is_valid():
        saved = selectors.expense_rows(project, year)
        changed = []
        for month, amounts in form.amounts().items():
            row = saved.get(month)
            before = {name: getattr(row, name) if row else ZERO for name, _l in CATEGORIES}
            if before != amounts:
                changed.append((month, amounts))
        try:
            with transaction.atomic():
                for month, amounts in changed:
                    services.rnd_expense_set(
                        by=user, project=project, year=year, month=month, amounts=amounts
                    )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            if changed:
                messages.success(
                    request,
                    _("已保存%(y)d年研发费用归集（%(m)s月）。")
                    % {"y": year, "m": "、".join(str(m) for m, _a in changed)},
                )
            else:
                messages.info(request, _("没有修改，无需保存。"))
            return redirect(f"{reverse('rnd:project_detail', args=[project.pk])}?year={year}")
    messages.error(request, _("归集表有错误，整张表未保存，请修改标红的单元格后再保存。"))
    return _detail_page(request, project, year, form, status=422)


# --- the super-deduction ----------------------------------------------------------------------------------


@login_required
def deduction(request: AuthedRequest) -> HttpResponse:
    _require_use(request, "rnd_deduction.view")
    user, this_year = request.user, _this_year()
    raw_year = str(request.GET.get("year") or "")
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else this_year
    is_region = permissions.has_role(user, *permissions.READ_REGION_ROLES)
    own = _own_enterprises(user)
    raw_org = str(request.GET.get("org") or "")
    organisation: Organisation | None = None
    if raw_org.isdigit():
        try:
            organisation = permissions.get_visible(
                user,
                Organisation,
                int(raw_org),
                selectors.deduction_organisation_get,
                where=f"view {request.path}",
            )
        except Organisation.DoesNotExist:
            raise Http404(_("记录不存在或您无权查看。")) from None
    elif own and not is_region:
        organisation = own[0]
    context: dict[str, Any] = {
        "year": year,
        "organisation": organisation,
        "is_region": is_region,
        "pickable": selectors.deduction_organisations(user=user) if is_region else own,
    }
    if organisation is None:
        context["years"] = list(range(this_year, this_year - 6, -1))
        context["county"] = selectors.county_collection(user=user, year=year)
        return render(request, "rnd/projects/deduction.html", context)
    view = selectors.deduction_view(organisation=organisation, year=year)
    result = view.result
    context.update(
        view=view,
        result=result,
        years=selectors.deduction_years(organisation=organisation, this_year=this_year),
        total_amount=result.five + result.other_actual,
        categories=[(name, label, result.categories[name]) for name, label in CATEGORIES],
        categories_fmt=[(name, label, yuan(result.categories[name])) for name, label in CATEGORIES],
        five_labels="、".join(str(label) for _n, label in CATEGORIES[:5]),
        fmt={
            "five": yuan(result.five),
            "other": yuan(result.other_actual),
            "limit": yuan(result.other_limit),
            "allowed": yuan(result.other_allowed),
            "excess": yuan(result.other_excess),
            "allowed_total": yuan(result.allowed_total),
            "deduction": yuan(result.deduction),
            "total": yuan(result.five + result.other_actual),
        },
        classes={
            "manufacturing": DeductionRate.AppliesTo.MANUFACTURING in result.classes,
            "tech_sme": DeductionRate.AppliesTo.TECH_SME in result.classes,
        },
        spans=[
            {
                "months": span.months,
                "rate": rate_pct(span.rate),
                "rows": span.rows,
                "base": yuan(span.base),
                "amount": yuan(span.amount),
            }
            for span in view.spans
        ],
        months=[
            {
                "month": m["month"],
                "empty": not m["total"],
                "five": yuan(m["five"]),
                "other": yuan(m["other"]),
                "total": yuan(m["total"]),
                "rate": rate_pct(m["rate"]),
                "deduction": yuan(m["deduction"]),
            }
            for m in view.months
        ],
        industry=organisation.industry if organisation.industry_id else None,
        can_change=services.may_write_for(user, organisation),
    )
    return render(request, "rnd/projects/deduction.html", context)


@login_required
def rate_list(request: AuthedRequest) -> HttpResponse:
    rows = [
        {"row": r, "pct": rate_pct(r.rate)} for r in selectors.rate_table()
    ]  # the table is the same for everyone: national announcements
    return render(request, "rnd/projects/rate_list.html", {"rows": rows, "today": timezone.localdate()})


# --- the home page ----------------------------------------------------------------------------------------


def enterprise_home(request: Any) -> dict[str, Any] | None:
    """An enterprise user's R&D of this year: expenses collected so far and the estimated deduction."""
    user = request.user
    if not permissions.has_role(user, Role.ENTERPRISE) or permissions.has_role(
        user, *permissions.READ_REGION_ROLES
    ):
        return None
    year = _this_year()
    items = []
    for organisation in _own_enterprises(user):
        result = deduction_rules.deduction_for(organisation, year)
        items.append(
            {
                "organisation": organisation,
                "collected": result.five + result.other_actual,
                "deduction": result.deduction,
                "rate": result.rate_label,
                "projects": RndProject.objects.filter(
                    organisation=organisation,
                    starts_on__lte=dt.date(year, 12, 31),
                    ends_on__gte=dt.date(year, 1, 1),
                ).count(),
            }
        )
    return {"items": items, "year": year} if items else None


LINKS: list[Link] = [
    Link(
        gettext_lazy("研发项目与费用归集"),
        "rnd:project_list",
        gettext_lazy("企业研发项目，按月按六类归集研发费用；Excel 导入。"),
        _may_use,
    ),
    Link(
        gettext_lazy("研发费用加计扣除"),
        "rnd:deduction",
        gettext_lazy("按年度测算加计扣除额：其他相关费用限额、适用比例及政策依据。"),
        _may_use,
    ),
    Link(
        gettext_lazy("加计扣除比例表"),
        "rnd:rate_list",
        gettext_lazy("各类企业各时期的加计扣除比例及其文号。"),
    ),
]
HOME_PANELS: list[Panel] = [Panel("rnd/projects/_home_enterprise.html", enterprise_home)]

urlpatterns: list[URLPattern] = [
    path("projects/", project_list, name="project_list"),
    path("projects/new/", project_create, name="project_create"),
    path("projects/<int:pk>/", project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", project_edit, name="project_edit"),
    path("projects/<int:pk>/delete/", project_delete, name="project_delete"),
    path("projects/<int:pk>/expenses/", expense_edit, name="expense_edit"),
    path("deduction/", deduction, name="deduction"),
    path("rates/", rate_list, name="rate_list"),
]
