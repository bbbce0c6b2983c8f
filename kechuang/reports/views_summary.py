"""Pages of the work summary: the list, a new summary for a county and period, the summary itself with
every figure linked to its evidence, the editor that keeps the figure placeholders intact, freezing,
comparing a frozen summary with today's figures, and each figure's evidence (exportable to Excel).

Views parse, call kechuang.reports.selectors or kechuang.reports.summary (the services), and render.
Word, HTML and Markdown downloads live in their own module (summaries/<pk>/docx/, html/, md/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core import audit, edits, permissions
from kechuang.core.models import Organisation
from kechuang.core.views import AuthedRequest, _apply_errors, _page, _render_list, _visible_or_404
from kechuang.imports.excel import xlsx_response

from . import evidence, selectors
from . import summary as service
from .evidence import Column, Table
from .figures import REGISTRY, SECTIONS
from .forms import ReviseForm, SummaryCreateForm, SummaryEditForm
from .models import Summary

EXPORT_LIMIT = 100_000


def _summary_or_404(request: HttpRequest, pk: int) -> Summary:
    return _visible_or_404(request, Summary, pk, selectors.summary_get)


def _is_staff_of(user: Any, summary: Summary) -> bool:
    return permissions.is_county_staff(user, summary.county_id)


def _require_staff_of(request: HttpRequest, summary: Summary, action: str) -> None:
    permissions.require(_is_staff_of(request.user, summary), request.user, action, summary)


def _heading(number: Any) -> str:
    """一、政策激励 for section 1."""
    try:
        n = int(number)
    except (TypeError, ValueError):
        return ""
    return service.Section(n, SECTIONS[n], [], False).heading if n in SECTIONS else ""


def _error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


# --- list and create ---------------------------------------------------------------------------------------


@login_required
def summary_list(request: AuthedRequest) -> HttpResponse:
    summaries = selectors.summary_list(request.user)
    return _render_list(
        request,
        "reports/summary_list.html",
        {
            "page": _page(request, summaries),
            "can_create": selectors.staff_counties(request.user).exists(),
        },
    )


@login_required
def summary_create(request: AuthedRequest) -> HttpResponse:
    counties = selectors.staff_counties(request.user)
    permissions.require(counties.exists(), request.user, "create summary", what="reports.summary")
    form = SummaryCreateForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        try:
            summary = service.summary_create(
                by=request.user,
                county=form.cleaned_data["county"],
                period=form.period,
                title=form.cleaned_data["title"],
            )
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("已生成“%(t)s”，数字随记录实时更新，定稿后固定。") % {"t": summary})
            return redirect("reports:summary_detail", pk=summary.pk)
    return render(request, "reports/summary_create.html", {"form": form})


# --- the summary -----------------------------------------------------------------------------------------------


def _evidence_url(summary: Summary, key: str) -> str:
    return reverse("reports:summary_evidence", args=[summary.pk, key])


@login_required
def summary_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    summary = _summary_or_404(request, pk)
    rendered = service.render(summary)
    staff = _is_staff_of(request.user, summary)
    versions = service.versions(summary)
    latest = versions[-1] if versions else summary
    figures: list[dict[str, Any]] = [
        {"ref": ref, "url": _evidence_url(summary, key), "section": _section_of(summary, key)}
        for key, ref in rendered.figures.items()
    ]
    figures.sort(key=lambda f: (f["section"], _order(f["ref"].key)))
    sections = [
        {
            "key": block.section.key if block.section else "",
            "level": block.level,
            "heading": block.heading,
            "has_data": block.section.has_data or not block.section.number if block.section else True,
            "closing": block.level == 1 and block.section is not None,
            "paragraphs": [[_part(summary, p) for p in para.parts] for para in block.paragraphs],
        }
        for block in rendered.outline()
    ]
    return render(
        request,
        "reports/summary_detail.html",
        {
            "summary": summary,
            "rendered": rendered,
            "sections": sections,
            "warnings": service.freeze_warnings(summary, rendered) if not summary.is_frozen else [],
            "figures": figures,
            "can_edit": staff and not summary.is_frozen,
            "can_freeze": staff and not summary.is_frozen,
            "can_revise": staff and summary.is_frozen and latest.pk == summary.pk,
            "versions": versions,
            "latest": latest,
            "revise_form": ReviseForm(),
        },
    )


def _part(summary: Summary, part: service.Part) -> dict[str, Any]:
    """A piece of a paragraph: text, or a figure with the address of its evidence (a placeholder whose
    figure is gone shows as typed, marked)."""
    if isinstance(part, str):
        return {"text": part, "ref": None}
    if isinstance(part, service.Unresolved):
        return {"text": part.text, "ref": None, "unresolved": True}
    return {"text": part.text, "ref": part, "url": _evidence_url(summary, part.key)}


def _order(key: str) -> int:
    """A figure's place in the registry (a frozen snapshot's keys may come back in any order)."""
    d = REGISTRY.get(key)
    return d.order if d else len(REGISTRY)


def _section_of(summary: Summary, key: str) -> int:
    if summary.is_frozen and key in summary.snapshot:
        return int(summary.snapshot[key].get("section") or 0)
    d = REGISTRY.get(key)
    return d.section if d else 0


@login_required
def summary_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    summary = _summary_or_404(request, pk)
    _require_staff_of(request, summary, "edit summary")
    if summary.is_frozen:
        messages.warning(request, _("该工作总结已定稿，不能再修改。"))
        return redirect("reports:summary_detail", pk=summary.pk)
    form = SummaryEditForm(
        request.POST or None,
        summary=summary,
        initial=SummaryEditForm.initial_for(summary.title, summary.sections),
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.summary_update(
                by=request.user, summary=summary, title=form.cleaned_data["title"], sections=form.sections(),
                loaded=form.loaded,
            )  # fmt: skip
        except edits.EditConflict as conflict:
            form.show_conflict(conflict)
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, _("已保存。"))
            return redirect("reports:summary_detail", pk=summary.pk)
    refs = service.figure_refs(summary)
    by_section: dict[int, list[Any]] = {n: [] for n in SECTIONS}
    for d in sorted(REGISTRY.values(), key=lambda d: (d.section, d.order)):
        ref = refs.get(d.key)
        if ref is not None:
            by_section.setdefault(d.section, []).append(ref)
    sections = [
        {"key": key, "heading": _heading(key) or name, "field": field, "stream": key.isdigit(),
         "figures": by_section.get(int(key), []) if key.isdigit() else []}
        for key, name, field in form.section_fields()
    ]  # fmt: skip
    return render(
        request,
        "reports/summary_edit.html",
        {
            "summary": summary,
            "form": form,
            "sections": sections,
            "chip_texts": {k: {"text": r.text, "label": r.label} for k, r in refs.items()},
        },
    )


@login_required
@require_POST
def summary_freeze(request: AuthedRequest, pk: int) -> HttpResponse:
    summary = _summary_or_404(request, pk)
    _require_staff_of(request, summary, "freeze summary")
    try:
        service.summary_freeze(by=request.user, summary=summary)
    except ValidationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("已定稿：各项数字及其依据记录已固定。"))
        warnings = summary.froze_with
        if warnings:
            messages.warning(
                request,
                _("定稿时有%(n)s条提示（已记入操作日志）：%(w)s")
                % {"n": len(warnings), "w": "；".join(w.rstrip("。") for w in warnings) + "。"},
            )
    return redirect("reports:summary_detail", pk=summary.pk)


@login_required
@require_POST
def summary_revise(request: AuthedRequest, pk: int) -> HttpResponse:
    """修订: a frozen summary's next version, a draft with the same prose; the frozen one stays as it was."""
    summary = _summary_or_404(request, pk)
    _require_staff_of(request, summary, "revise summary")
    form = ReviseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
        return redirect("reports:summary_detail", pk=summary.pk)
    try:
        revision = service.summary_revise(
            by=request.user, summary=summary, reason=form.cleaned_data["reason"]
        )
    except ValidationError as e:
        messages.error(request, _error_text(e))
        return redirect("reports:summary_detail", pk=summary.pk)
    messages.success(
        request,
        _("已生成%(v)s（草稿，数字实时）；%(o)s保持定稿不变，可随时对比。")
        % {"v": revision.version_label, "o": summary.version_label},
    )
    return redirect("reports:summary_edit", pk=revision.pk)


def _version_number(value: str | None, versions: list[Summary]) -> Summary | None:
    try:
        n = int(value or "")
    except ValueError:
        return None
    return next((v for v in versions if v.version == n), None)


@login_required
def summary_versions(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every version of a county's summary of a period, and any two of them compared (prose and figures)."""
    summary = _summary_or_404(request, pk)
    versions = service.versions(summary)
    b = _version_number(request.GET.get("b"), versions)
    a = _version_number(request.GET.get("a"), versions)
    if b is None:
        b = summary if summary.version > 1 or len(versions) == 1 else versions[1]
    if a is None:
        earlier = [v for v in versions if v.version < b.version]
        a = earlier[-1] if earlier else b
    comparison = service.compare_versions(a, b) if a.pk != b.pk else None
    figures = [
        {"diff": f, "url": _evidence_url(b if f.key in b.snapshot or not b.is_frozen else a, f.key)}
        for f in (comparison.figures if comparison else [])
    ]
    return render(
        request,
        "reports/summary_versions.html",
        {
            "summary": summary,
            "versions": versions,
            "a": a,
            "b": b,
            "comparison": comparison,
            "figures": figures,
        },
    )


@login_required
def summary_compare(request: AuthedRequest, pk: int) -> HttpResponse:
    summary = _summary_or_404(request, pk)
    if not summary.is_frozen:
        messages.info(request, _("草稿中的数字本就是实时的；定稿后才能与最新数据对比。"))
        return redirect("reports:summary_detail", pk=summary.pk)
    changes = [
        {"change": c, "url": _evidence_url(summary, c.key) if c.key in summary.snapshot else ""}
        for c in sorted(service.compare(summary), key=lambda c: (_section_of(summary, c.key), _order(c.key)))
    ]
    return render(
        request,
        "reports/summary_compare.html",
        {"summary": summary, "changes": changes, "total": len(summary.snapshot)},
    )


# --- evidence ------------------------------------------------------------------------------------------------------


def _org_url(pk: Any) -> str | None:
    return evidence.url("organisation_detail", pk, "/orgs/{pk}/")


# How the records behind a figure are listed: core's own here, each stream app's in its evidence.py
# (registered with kechuang.reports.evidence when Django starts).
evidence.register_table(
    "core.organisation",
    Table(
        ("region",),
        (
            Column(gettext_lazy("名称"), lambda o: o.name),
            Column(gettext_lazy("统一社会信用代码"), lambda o: o.credit_code, "mono"),
            Column(gettext_lazy("所在地"), lambda o: evidence.name_of(o.region)),
        ),
        lambda o: _org_url(o.pk),
    ),
)
TABLES = evidence.TABLES


def _attr(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, name)


def _display(name: str) -> Callable[[Any], Any]:
    return lambda obj: getattr(obj, f"get_{name}_display")()


def _related_name(name: str) -> Callable[[Any], Any]:
    return lambda obj: evidence.name_of(getattr(obj, name))


def _generic_table(model: type[Model]) -> Table:
    """Records of a model without a listing above: its organisation, dates, amounts and statuses."""
    columns: list[Column] = []
    related: list[str] = []
    for f in model._meta.concrete_fields:
        name, label = f.name, f.verbose_name
        if f.is_relation and f.related_model is Organisation:
            related.append(name)
            columns.append(Column(label, _related_name(name)))
        elif f.choices:
            columns.append(Column(label, _display(name)))
        elif f.get_internal_type() == "DateField":
            columns.append(Column(label, _attr(name), "date"))
        elif f.get_internal_type() == "DecimalField" and "amount" in name:
            columns.append(Column(label, _attr(name), "money"))
    return Table(tuple(related), tuple(columns[:6]), lambda o: None)


def _table_of(model: type[Model]) -> Table:
    return TABLES.get(model._meta.label_lower) or _generic_table(model)


def _evidence_records(request: HttpRequest, summary: Summary, key: str) -> QuerySet:
    """The records behind a figure of a summary the user reads: the frozen ids once frozen."""
    if summary.is_frozen and key not in summary.snapshot:
        raise Http404(_("该总结没有这个数据项。"))
    if not summary.is_frozen and key not in REGISTRY:
        raise Http404(_("没有这个数据项。"))
    try:
        records = service.evidence_queryset(summary, key)
    except (LookupError, KeyError):
        raise Http404(_("该数据项没有可列出的依据记录。")) from None
    model = records.model
    if model in permissions.COUNTY_RECORDS or model is Organisation:
        # Figures count the summary's county only; ask the permission module all the same.
        records = permissions.visible(request.user, records)
    if not records.query.order_by and not model._meta.ordering:
        records = records.order_by("pk")
    return records


def _figure_info(summary: Summary, key: str) -> dict[str, Any]:
    if summary.is_frozen:
        f = summary.snapshot[key]
        return {"key": key, "label": f["label"], "text": f["text"], "section": f.get("section")}
    from .figures import compute

    figure = compute(key, summary.county, service.period_of(summary))
    return {"key": key, "label": figure.label, "text": figure.text, "section": figure.section}


def _cell(value: Any) -> Any:
    """A value as Excel gets it: amounts as numbers in 元, dates as dates, everything else as text."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int | float | dt.date):
        return value
    return str(value)


@login_required
def summary_evidence(request: AuthedRequest, pk: int, key: str) -> HttpResponse:
    summary = _summary_or_404(request, pk)
    records = _evidence_records(request, summary, key)
    table = _table_of(records.model)
    if table.related:
        records = records.select_related(*table.related)
    info = _figure_info(summary, key)
    if request.GET.get("export") == "xlsx":
        return _export(request, summary, info, records, table)
    page = _page(request, records)
    rows = [
        {"record": str(obj), "url": table.link(obj), "cells": [(c.get(obj), c.kind) for c in table.columns]}
        for obj in page.object_list
    ]
    return _render_list(
        request,
        "reports/evidence.html",
        {
            "summary": summary,
            "figure": info,
            "section_heading": _heading(info.get("section")),
            "model_name": records.model._meta.verbose_name,
            "columns": table.columns,
            "rows": rows,
            "page": page,
        },
    )


def _export(
    request: HttpRequest, summary: Summary, info: dict[str, Any], records: QuerySet, table: Table
) -> HttpResponse:
    permissions.require(
        permissions.can_export(request.user), request.user, "export summary evidence", summary
    )
    headers = [_("序号"), _("记录")] + [
        f"{c.header}{_('（元）')}" if c.kind == "money" else str(c.header) for c in table.columns
    ]
    rows = [
        [n, str(obj), *(_cell(c.get(obj)) for c in table.columns)]
        for n, obj in enumerate(records[:EXPORT_LIMIT], start=1)
    ]
    title = _("%(s)s-%(l)s依据") % {"s": service.period_of(summary).label, "l": info["label"]}
    audit.record(
        "export",
        by=request.user,
        obj=summary,
        after={"figure": info["key"], "rows": len(rows), "frozen": summary.is_frozen},
        detail=_("导出“%(l)s”依据记录 %(n)d 条") % {"l": info["label"], "n": len(rows)},
    )
    return xlsx_response(title, headers, rows)


urlpatterns: list[URLPattern] = [
    path("summaries/", summary_list, name="summary_list"),
    path("summaries/new/", summary_create, name="summary_create"),
    path("summaries/<int:pk>/", summary_detail, name="summary_detail"),
    path("summaries/<int:pk>/edit/", summary_edit, name="summary_edit"),
    path("summaries/<int:pk>/freeze/", summary_freeze, name="summary_freeze"),
    path("summaries/<int:pk>/compare/", summary_compare, name="summary_compare"),
    path("summaries/<int:pk>/revise/", summary_revise, name="summary_revise"),
    path("summaries/<int:pk>/versions/", summary_versions, name="summary_versions"),
    path("summaries/<int:pk>/evidence/<str:key>/", summary_evidence, name="summary_evidence"),
]
