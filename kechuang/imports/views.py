"""Pages: the list of registers (template / import / export), the upload form with its result or
error report, and the downloads. Thin: they check the permission, call the services, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from kechuang.core import permissions

from . import error_reports, excel, guards, services
from .forms import UploadForm
from .registers import REGISTERS, Register
from .report import ImportRejected
from .uploads import SizeLimitUploadHandler


def _register_or_404(slug: str) -> Register:
    register = REGISTERS.get(slug)
    if register is None:
        raise Http404(_("没有这个数据表。"))
    return register


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_import, may_export = permissions.can_import(user), permissions.can_export(user)
    permissions.require(may_import or may_export, user, "imports.index", what="imports")
    return render(
        request,
        "imports/index.html",
        {"registers": list(REGISTERS.values()), "can_import": may_import, "can_export": may_export},
    )


@require_GET
@login_required
def template(request: HttpRequest, slug: str) -> HttpResponse:
    register = _register_or_404(slug)
    user = request.user
    allowed = register.may_import(user) or permissions.can_export(user)
    permissions.require(allowed, user, f"template.{slug}", what=register.model._meta.label_lower)
    return excel.download(
        services.template_bytes(register),
        services.template_filename(register),
        fallback=f"{slug}_template.xlsx",
    )


@require_GET
@login_required
def export(request: HttpRequest, slug: str) -> HttpResponse:
    register = _register_or_404(slug)
    filters = request.GET.copy()
    filters.pop("page", None)
    data = services.export_queryset(register=register, by=request.user, filters=filters)
    day = f"{timezone.localdate():%Y%m%d}"
    return excel.download(data, services.export_filename(register), fallback=f"{slug}_{day}.xlsx")


@csrf_exempt  # CSRF is checked by _upload, after the size-limiting upload handler is in place.
@require_http_methods(["GET", "POST"])
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    may_import = any(r.may_import(request.user) for r in REGISTERS.values())
    permissions.require(may_import, request.user, "imports.upload", what="imports")
    handler = SizeLimitUploadHandler(request, limit=settings.IMPORT_MAX_FILE_BYTES)
    if request.method == "POST":
        # Must happen before anything reads request.POST/FILES (hence csrf_exempt on this view).
        request.upload_handlers = [handler, *request.upload_handlers]
    return _upload(request, handler)


@csrf_protect
def _upload(request: HttpRequest, handler: SizeLimitUploadHandler) -> HttpResponse:
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        chosen = REGISTERS.get(request.POST.get("register", ""))
        if chosen is not None:
            permissions.require(
                chosen.may_import(request.user), request.user, f"import.{chosen.slug}", what="imports"
            )
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if handler.too_large:
            form.fields["file"].required = False
        if form.is_valid():
            register = REGISTERS[form.cleaned_data["register"]]
            context["register"] = register
            uploaded = form.cleaned_data.get("file")
            try:
                if handler.too_large or uploaded is None:
                    error = guards.too_large()
                    services.record_rejection(
                        register=register, by=request.user, error=error, filename=handler.too_large_name
                    )
                    raise error
                context["result"] = services.import_file(
                    register=register, file=uploaded, by=request.user, filename=uploaded.name
                )
                form = UploadForm(initial={"register": register.slug}, user=request.user)
            except ImportRejected as exc:
                context["rejected"] = exc
                data = services.error_workbook(register=register, error=exc)
                if data is not None:
                    token = error_reports.save(
                        user=request.user,
                        register=register.slug,
                        filename=uploaded.name if uploaded is not None else "",
                        errors=len(exc.errors),
                        data=data,
                    )
                    context["report_token"] = token
                status = 422
    else:
        form = UploadForm(initial={"register": request.GET.get("register", "")}, user=request.user)
    context["form"] = form
    return render(request, "imports/upload.html", context, status=status)


@require_GET
@login_required
def error_report(request: HttpRequest, token: str) -> HttpResponse:
    """The full error workbook of an upload the requesting user made (another user's token: 404)."""
    stored = error_reports.find(user=request.user, token=token)
    register = REGISTERS.get(stored.register) if stored is not None else None
    if stored is None or register is None:
        raise Http404(_("没有这份错误报告（报告保留 7 天）。"))
    permissions.require(
        register.may_import(request.user), request.user, f"import.{register.slug}", what="imports"
    )
    stem = stored.filename.rsplit(".", 1)[0] if stored.filename else register.label
    return excel.download(
        stored.path.read_bytes(), f"{stem}_错误报告.xlsx", fallback=f"{register.slug}_errors.xlsx"
    )
